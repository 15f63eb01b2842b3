export { categoryColor, contactSheet, renderOverlay } from './render.js';
export type { OverlayAnnotation, RenderOptions, RgbaImage } from './render.js';

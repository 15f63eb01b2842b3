/**
 * sRGB ↔ DICOM's RecommendedDisplayCIELabValue (PS3.3 C.10.7.1.1: L* 0..100 and a*, b*
 * -128..127 scaled to 0..65535; D65 white point, as dcmjs and highdicom use).
 */
const WHITE = [0.950456, 1, 1.088754];

const lin = (c: number): number => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const gam = (c: number): number => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
const finv = (t: number): number => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));
const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/**
 * @example
 * ```ts
 * // DICOM's CIELab colours (RecommendedDisplayCIELabValue), scaled to 0..65535.
 * rgbToDicomLab([255, 0, 0]); // → [34891, 53480, 50167]
 * ```
 */
export function rgbToDicomLab(rgb: readonly [number, number, number]): [number, number, number] {
  const [r, g, b] = rgb.map((c) => lin(clamp(c, 0, 255) / 255)) as [number, number, number];
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / WHITE[0]!;
  const y = (0.2126729 * r + 0.7151522 * g + 0.072175 * b) / WHITE[1]!;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / WHITE[2]!;
  const L = 116 * f(y) - 16, A = 500 * (f(x) - f(y)), B = 200 * (f(y) - f(z));
  return [
    Math.round(clamp(L, 0, 100) * 65535 / 100),
    Math.round((clamp(A, -128, 127) + 128) * 65535 / 255),
    Math.round((clamp(B, -128, 127) + 128) * 65535 / 255),
  ];
}

/**
 * @example
 * ```ts
 * dicomLabToRgb([34891, 53480, 50167]); // → [255, 0, 0]
 * ```
 */
export function dicomLabToRgb(lab: readonly [number, number, number]): [number, number, number] {
  const L = lab[0] * 100 / 65535, A = lab[1] * 255 / 65535 - 128, B = lab[2] * 255 / 65535 - 128;
  const fy = (L + 16) / 116, fx = fy + A / 500, fz = fy - B / 200;
  const x = finv(fx) * WHITE[0]!, y = finv(fy) * WHITE[1]!, z = finv(fz) * WHITE[2]!;
  const r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
  const g = -0.969266 * x + 1.8760108 * y + 0.041556 * z;
  const b = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
  return [r, g, b].map((c) => Math.round(clamp(gam(clamp(c, 0, 1)), 0, 1) * 255)) as [number, number, number];
}

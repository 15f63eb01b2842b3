import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';

const dialects: [string, string][] = [
  ['coco', 'COCO RLE'],
  ['coco-panoptic', 'COCO panoptic'],
  ['kaggle', 'Kaggle CSV'],
  ['encord', 'Encord'],
  ['cvat', 'CVAT XML'],
  ['label-studio', 'Label Studio brush'],
  ['dicom', 'DICOM RLE / SEG'],
  ['png', 'PNG masks'],
  ['darwin', 'V7 Darwin'],
  ['supervisely', 'Supervisely'],
  ['labelme', 'LabelMe'],
  ['yolo', 'YOLO segmentation'],
  ['rlekit-json', 'rlekit-json'],
];

// typedoc (typedoc.site.json) writes the API reference and its sidebar before the site builds;
// `pnpm site:dev` without it still serves the guide.
const sidebarFile = fileURLToPath(new URL('../reference/typedoc-sidebar.json', import.meta.url));
const apiSidebar: DefaultTheme.SidebarItem[] = existsSync(sidebarFile)
  ? JSON.parse(readFileSync(sidebarFile, 'utf8'))
  : [];

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Guide',
    items: [
      { text: 'Which convention is my data in?', link: '/which-convention' },
      { text: 'Pitfalls', link: '/pitfalls' },
      { text: 'Checking masks (QA)', link: '/qa' },
      { text: 'Playground', link: '/playground' },
      { text: 'Command line', link: '/cli' },
      { text: 'Operations', link: '/operations' },
      { text: 'Dataset scale', link: '/scale' },
      { text: 'Errors', link: '/errors' },
      { text: 'Architecture', link: '/architecture' },
      { text: 'Conformance matrix', link: '/conformance' },
    ],
  },
  { text: 'Dialects', items: dialects.map(([id, text]) => ({ text, link: `/dialects/${id}` })) },
];

// The guide links package folders (../packages/render) for readers on GitHub; on the site the
// package's API reference is the page to show.
function packageLinks(md: { renderer: { rules: Record<string, any> } }): void {
  const rules = md.renderer.rules;
  const previous = rules.link_open;
  rules.link_open = (tokens: any[], idx: number, options: unknown, env: unknown, self: any) => {
    const href: string | null = tokens[idx].attrGet('href');
    const m = href && /^(?:\.\.\/)+packages\/([\w-]+)\/?$/.exec(href);
    if (m) tokens[idx].attrSet('href', `/reference/@rlekit/${m[1]}/`);
    return previous ? previous(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
  };
}

export default defineConfig({
  title: 'rlekit',
  // `pnpm run docs` writes typedoc's HTML API to docs/api; the site's reference is the Markdown in docs/reference.
  srcExclude: ['api/**', 'test/**'],
  description: 'Segmentation mask RLE conventions, explained and converted exactly',
  cleanUrls: true,
  head: [['link', { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' }]],
  lastUpdated: false,
  markdown: { config: (md) => packageLinks(md as never) },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/which-convention' },
      { text: 'Dialects', link: '/dialects/coco' },
      { text: 'Playground', link: '/playground' },
      { text: 'API', link: '/reference/' },
    ],
    sidebar: {
      '/reference/': [{ text: 'API reference', link: '/reference/', items: apiSidebar }],
      '/': guide,
    },
    search: { provider: 'local' },
    outline: 'deep',
  },
  vite: {
    // The playground imports the packages by name, as a user's app would; in the workspace the
    // `source` condition serves their TypeScript, so no package build is needed first.
    resolve: { conditions: ['source', 'module', 'browser', 'import', 'default'] },
    worker: { format: 'es' },
  },
});

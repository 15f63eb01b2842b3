import { RleError, type Order, type Size } from '@rlekit/core';

/** How a CSV file lays out its rows: one per image, per instance, or per image × class. */
export type RowsPer = 'image' | 'instance' | 'image-class';

/** Absolute `start length` pairs, or SIIM's `offset length` pairs counted from the previous run's end. */
export type Pairing = 'absolute' | 'relative';

export interface CsvLayout {
  /** Header of the submission file, in order. */
  columns: string[];
  /** Column holding the image id (or the composite `<image><sep><class>` id when `classSeparator` is set). */
  id: string;
  /** Column holding the RLE text. */
  rle: string;
  /** Separate class column (UW-Madison `class`, iMaterialist `ClassId`). */
  class?: string;
  /** Composite ids: the class follows the last occurrence of this separator in the id (Severstal `_`). */
  classSeparator?: string;
  /** Columns carrying the image size per row (iMaterialist `Height`, `Width`). */
  height?: string;
  width?: string;
  /** Other names the RLE column has in training files (UW `segmentation`, Sartorius `annotation`). */
  rleAliases?: string[];
  rowsPer: RowsPer;
  /** The classes of an `image-class` file, in the order rows are written for each image. */
  classes?: string[];
  /** Whether ids are file names (`00002bd58.jpg`) or stems (`3e06571ef3`); decides what a writer puts in the id column. */
  ids?: 'fileName' | 'stem';
}

/** One competition's convention. */
export interface Preset {
  id: string;
  title: string;
  /** Flattening order: `'col'` top to bottom then left to right (index = x·H + y), `'row'` raster order. */
  order: Order;
  /** Added to 0-based starts (absolute), or to the first offset (relative). */
  base: 0 | 1;
  pairing: Pairing;
  /** Exact text of an all-background mask. */
  empty: string;
  csv: CsvLayout;
  /** Whether masks of one image may overlap in a submission. */
  overlap: 'allowed' | 'forbidden';
  /** Native image size: named in messages, and the default size when `oneSize` is set. */
  nativeSize?: Size;
  /**
   * Every image of the competition (training and test) has `nativeSize`, so reading uses it when
   * no size is given (with a `native-size` warning). Not set for Clouds: its submissions are at
   * 350x525, its train.csv at 1400x2100.
   */
  oneSize?: boolean;
  /** Where the convention was established (see docs/dialects/kaggle.md). */
  source: string;
  /**
   * How the competition scored a submission, as `rlekit compare --preset` computes it: mean Dice
   * per image (× class), the IoU-threshold-averaged precision (`iou-map`) or F2 (`f2`), or F0.5 over pixels.
   */
  metric?: 'dice' | 'iou-map' | 'f2' | 'f0.5-pixels';
  /**
   * How masks are written: start/length pairs (absent, the default), or Open Images' one row per image
   * whose `rle` column holds `label confidence mask` triples, mask = base64(zlib(COCO count string));
   * `order`, `base`, `pairing` and `empty` do not apply to it.
   */
  encoding?: 'open-images';
}

const CF = { order: 'col', base: 1, pairing: 'absolute', empty: '' } as const;
const RF = { order: 'row', base: 1, pairing: 'absolute', empty: '' } as const;

const list: Preset[] = [
    {
      id: 'ultrasound-nerve-segmentation', title: 'Ultrasound Nerve Segmentation (2016)', ...CF,
      csv: { columns: ['img', 'pixels'], id: 'img', rle: 'pixels', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed', nativeSize: { height: 420, width: 580 }, oneSize: true,
      metric: 'dice', source: 'Evaluation page (top to bottom, then left to right, one-indexed); public run-length kernel flattens with order F and counts from 1.',
    },
    {
      id: 'carvana-image-masking', title: 'Carvana Image Masking (2017)', ...RF,
      csv: { columns: ['img', 'rle_mask'], id: 'img', rle: 'rle_mask', rowsPer: 'image', ids: 'fileName' },
      overlap: 'allowed', nativeSize: { height: 1280, width: 1918 }, oneSize: true,
      metric: 'dice', source: 'A public "fast, tested RLE" kernel checks a C-order encoder against every row of train_masks.csv; its 4x4 test gives "7 2 11 2".',
    },
    {
      id: 'data-science-bowl-2018', title: 'Data Science Bowl 2018 (nuclei)', ...CF,
      csv: { columns: ['ImageId', 'EncodedPixels'], id: 'ImageId', rle: 'EncodedPixels', rowsPer: 'instance', ids: 'stem' },
      overlap: 'forbidden',
      metric: 'iou-map', source: 'Evaluation page: one-indexed, top to bottom then left to right, one row per nucleus, masks must not overlap; popular encoders flatten the transpose and add 1.',
    },
    {
      id: 'tgs-salt-identification', title: 'TGS Salt Identification (2018)', ...CF,
      csv: { columns: ['id', 'rle_mask'], id: 'id', rle: 'rle_mask', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed', nativeSize: { height: 101, width: 101 }, oneSize: true,
      metric: 'iou-map', source: 'Evaluation page (one-indexed, top to bottom then left to right); public kernels flatten with order F; train.csv leaves rle_mask blank when there is no salt.',
    },
    {
      id: 'airbus-ship-detection', title: 'Airbus Ship Detection (2018)', ...CF,
      csv: { columns: ['ImageId', 'EncodedPixels'], id: 'ImageId', rle: 'EncodedPixels', rowsPer: 'instance', ids: 'fileName' },
      overlap: 'forbidden', nativeSize: { height: 768, width: 768 }, oneSize: true,
      metric: 'f2', source: 'Evaluation page: one-indexed, top to bottom then left to right, blank for no ship, one row per ship, no overlaps; starter kernels decode with reshape then transpose.',
    },
    {
      id: 'imaterialist-fashion-2019', title: 'iMaterialist (Fashion) 2019 at FGVC6', ...CF,
      csv: {
        columns: ['ImageId', 'EncodedPixels', 'Height', 'Width', 'ClassId'], id: 'ImageId', rle: 'EncodedPixels', class: 'ClassId',
        height: 'Height', width: 'Width', rowsPer: 'instance', ids: 'fileName',
      },
      overlap: 'allowed',
      source: 'train.csv columns ImageId,EncodedPixels,Height,Width,ClassId; public COCO converters decode 1-based starts with order F. Submission rules not verified.',
    },
    {
      id: 'siim-acr-pneumothorax', title: 'SIIM-ACR Pneumothorax Segmentation (2019)', order: 'col', base: 0, pairing: 'relative', empty: '-1',
      csv: { columns: ['ImageId', 'EncodedPixels'], id: 'ImageId', rle: 'EncodedPixels', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed', nativeSize: { height: 1024, width: 1024 }, oneSize: true,
      metric: 'dice', source: "Host's mask_functions.py: a cursor advances by each offset then each length (first offset 0-based); every solution transposes; -1 marks no pneumothorax.",
    },
    {
      id: 'severstal-steel-defect', title: 'Severstal Steel Defect Detection (2019)', ...CF,
      csv: {
        columns: ['ImageId_ClassId', 'EncodedPixels'], id: 'ImageId_ClassId', rle: 'EncodedPixels', classSeparator: '_',
        rowsPer: 'image-class', classes: ['1', '2', '3', '4'], ids: 'fileName',
      },
      overlap: 'allowed', nativeSize: { height: 256, width: 1600 }, oneSize: true,
      metric: 'dice', source: 'Evaluation page (one-indexed, top to bottom then left to right); competition-time files have ids <image>.jpg_<1..4>, four rows per image, blank when absent.',
    },
    {
      id: 'severstal-steel-defect-rerelease', title: 'Severstal Steel Defect Detection (re-released data)', ...CF,
      csv: {
        columns: ['ImageId', 'ClassId', 'EncodedPixels'], id: 'ImageId', rle: 'EncodedPixels', class: 'ClassId',
        rowsPer: 'image-class', classes: ['1', '2', '3', '4'], ids: 'fileName',
      },
      overlap: 'allowed', nativeSize: { height: 256, width: 1600 }, oneSize: true,
      metric: 'dice', source: 'The later re-release of train.csv with separate ImageId and ClassId columns (only non-empty rows); same RLE convention.',
    },
    {
      id: 'understanding-clouds', title: 'Understanding Clouds from Satellite Images (2019)', ...CF,
      csv: {
        columns: ['Image_Label', 'EncodedPixels'], id: 'Image_Label', rle: 'EncodedPixels', classSeparator: '_',
        rowsPer: 'image-class', classes: ['Fish', 'Flower', 'Gravel', 'Sugar'], ids: 'fileName',
      },
      overlap: 'allowed', nativeSize: { height: 350, width: 525 },
      metric: 'dice', source: 'Evaluation page (one-indexed, column-major); submissions at 350x525 while train.csv is at 1400x2100; the 1st-place code transposes before flattening.',
    },
    {
      id: 'hubmap-kidney-segmentation', title: 'HuBMAP - Hacking the Kidney (2020-21)', ...CF,
      csv: { columns: ['id', 'predicted'], id: 'id', rle: 'predicted', rleAliases: ['encoding'], rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed',
      metric: 'dice', source: 'Evaluation page (top to bottom, then left to right); public encoders transpose, flatten, 1-based (one notebook claims 0-based; mainstream code and the page say 1).',
    },
    {
      id: 'hubmap-organ-segmentation', title: 'HuBMAP + HPA - Hacking the Human Body (2022)', ...CF,
      csv: { columns: ['id', 'rle'], id: 'id', rle: 'rle', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed',
      metric: 'dice', source: "1st-place code transposes, flattens and writes 1-based starts; test image sizes are in test.csv (img_height, img_width).",
    },
    {
      id: 'uw-madison-gi-tract', title: 'UW-Madison GI Tract Image Segmentation (2022)', ...RF,
      csv: {
        columns: ['id', 'class', 'predicted'], id: 'id', rle: 'predicted', class: 'class', rleAliases: ['segmentation'],
        rowsPer: 'image-class', classes: ['large_bowel', 'small_bowel', 'stomach'], ids: 'stem',
      },
      overlap: 'allowed',
      source: "Row-major although the page says column-major: the 1st-place solution decodes train.csv with a plain reshape((H, W)) and submits a C-order flatten, 1-based.",
    },
    {
      id: 'sartorius-cell-instance', title: 'Sartorius - Cell Instance Segmentation (2021)', ...RF,
      csv: { columns: ['id', 'predicted'], id: 'id', rle: 'predicted', rleAliases: ['annotation'], rowsPer: 'instance', ids: 'stem' },
      overlap: 'forbidden', nativeSize: { height: 520, width: 704 }, oneSize: true,
      metric: 'iou-map', source: 'Row-major although the page reuses the DSB column-major text: EDA notebooks reshape((520, 704)) and positive-scoring submissions encode a C-order flatten, 1-based, without overlaps.',
    },
    {
      id: 'google-contrails', title: 'Google Research - Identify Contrails (2023)', order: 'col', base: 1, pairing: 'absolute', empty: '-',
      csv: { columns: ['record_id', 'encoded_pixels'], id: 'record_id', rle: 'encoded_pixels', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed', nativeSize: { height: 256, width: 256 }, oneSize: true,
      source: "Evaluation page: column-major, empty predictions marked '-'; host notebook transposes, flattens, 1-based.",
    },
    {
      id: 'vesuvius-ink-detection', title: 'Vesuvius Challenge - Ink Detection (2023)', ...RF,
      csv: { columns: ['Id', 'Predicted'], id: 'Id', rle: 'Predicted', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed',
      metric: 'f0.5-pixels', source: 'Evaluation page: numbered left to right, then top to bottom (1 is pixel (1,1), 2 is pixel (1,2)); same format as inklabels_rle.csv.',
    },
    {
      id: 'sennet-hoa-vasculature', title: 'SenNet + HOA - Hacking the Human Vasculature in 3D (2023-24)', order: 'row', base: 1, pairing: 'absolute', empty: '1 0',
      csv: { columns: ['id', 'rle'], id: 'id', rle: 'rle', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed',
      source: "A public solution decodes every train_rles.csv row row-major 1-based, checks it against the label TIFF and re-encodes it exactly, including '1 0' for empty slices.",
    },
    {
      id: 'open-images-2019-instance-segmentation', title: 'Open Images 2019 - Instance Segmentation', order: 'col', base: 0, pairing: 'absolute', empty: '', encoding: 'open-images',
      csv: { columns: ['ImageID', 'ImageWidth', 'ImageHeight', 'PredictionString'], id: 'ImageID', rle: 'PredictionString', width: 'ImageWidth', height: 'ImageHeight', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed',
      source: "Evaluation page: ImageID,ImageWidth,ImageHeight,PredictionString, predictions 'Label Confidence EncodedMask'; the host's encode_binary_mask is base64.b64encode(zlib.compress(pycocotools counts, Z_BEST_COMPRESSION)).",
    },
    {
      id: 'hpa-single-cell-classification', title: 'Human Protein Atlas - Single Cell Classification (2021)', order: 'col', base: 0, pairing: 'absolute', empty: '', encoding: 'open-images',
      csv: { columns: ['ID', 'ImageWidth', 'ImageHeight', 'PredictionString'], id: 'ID', rle: 'PredictionString', width: 'ImageWidth', height: 'ImageHeight', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed',
      source: "Evaluation page reuses Open Images' format and encoder with an ID column; a cell with several labels is one triple per label with the same mask.",
    },
    {
      id: 'hubmap-hacking-the-human-vasculature', title: 'HuBMAP - Hacking the Human Vasculature (2023)', order: 'col', base: 0, pairing: 'absolute', empty: '', encoding: 'open-images',
      csv: { columns: ['id', 'height', 'width', 'prediction_string'], id: 'id', rle: 'prediction_string', height: 'height', width: 'width', rowsPer: 'image', ids: 'stem' },
      overlap: 'allowed',
      source: "Evaluation page copies Open Images' encode_binary_mask; public solutions write id,height,width,prediction_string with label 0 (blood_vessel).",
    },
];

/** The named presets: a list (iterate, `map`, `length`) that is also indexed by id (`presets['airbus-ship-detection']`). */
export type PresetTable = readonly Preset[] & { readonly [id: string]: Preset };

const byId = new Map(list.map((p) => [p.id, p]));

/** Every named preset, in the order of the table in docs/dialects/kaggle.md; each records its source. */
export const presets: PresetTable = (() => {
  const table = [...list];
  // Ids as non-enumerable keys: Object.keys/values and for...of still see the list once.
  for (const p of list) Object.defineProperty(table, p.id, { value: p, enumerable: false });
  return Object.freeze(table) as unknown as PresetTable;
})();

/** Preset ids, in the order of the table in the docs. */
export const presetIds: string[] = list.map((p) => p.id);

/**
 * A preset by id; UNKNOWN_DIALECT names the ids that exist.
 * @example
 * ```ts
 * const p = getPreset('airbus-ship-detection');
 * [p.order, p.base, p.csv.columns]; // → ['col', 1, ['ImageId', 'EncodedPixels']]
 * ```
 */
export function getPreset(id: string): Preset {
  const p = byId.get(id);
  if (!p) {
    throw new RleError('INVALID_OPTION', `Unknown Kaggle preset "${id}"`, { path: ['preset'], expected: `one of ${presetIds.join(', ')}`, received: id });
  }
  return p;
}

/**
 * Checks a preset object given through the API (the CLI builds presets from flat options instead).
 * @example
 * ```ts
 * // A preset from JSON (a user's own competition), validated.
 * checkPreset({ ...getPreset('carvana-image-masking'), id: 'my-contest' }).id; // → 'my-contest'
 * ```
 */
export function checkPreset(p: unknown): Preset {
  const fail = (field: string, expected: string, v: unknown): never => {
    throw new RleError('INVALID_OPTION', `Invalid preset field ${field}`, { path: ['preset', ...field.split('.')], expected, received: String(v) });
  };
  if (typeof p !== 'object' || p === null) fail('', 'a preset object or id', p);
  const o = p as Partial<Preset>;
  if (o.order !== 'row' && o.order !== 'col') fail('order', '"row" or "col"', o.order);
  if (o.base !== 0 && o.base !== 1) fail('base', '0 or 1', o.base);
  if (o.pairing !== 'absolute' && o.pairing !== 'relative') fail('pairing', '"absolute" or "relative"', o.pairing);
  if (typeof o.empty !== 'string') fail('empty', 'a string', o.empty);
  if (o.overlap !== undefined && o.overlap !== 'allowed' && o.overlap !== 'forbidden') fail('overlap', '"allowed" or "forbidden"', o.overlap);
  return {
    id: typeof o.id === 'string' ? o.id : 'custom',
    title: typeof o.title === 'string' ? o.title : 'custom preset',
    order: o.order!, base: o.base!, pairing: o.pairing!, empty: o.empty!,
    csv: o.csv ?? { columns: ['ImageId', 'EncodedPixels'], id: 'ImageId', rle: 'EncodedPixels', rowsPer: 'instance' },
    overlap: o.overlap ?? 'allowed',
    source: typeof o.source === 'string' ? o.source : 'given by the caller',
    ...(o.nativeSize ? { nativeSize: o.nativeSize } : {}),
    ...(o.oneSize === true && o.nativeSize ? { oneSize: true } : {}),
    ...(o.encoding === 'open-images' ? { encoding: 'open-images' as const } : {}),
  };
}

/**
 * An id or a preset object, as the codec functions accept.
 * @example
 * ```ts
 * resolvePreset('tgs-salt-identification').order; // → 'col'
 * ```
 */
export function resolvePreset(preset: string | Preset): Preset {
  return typeof preset === 'string' ? getPreset(preset) : checkPreset(preset);
}

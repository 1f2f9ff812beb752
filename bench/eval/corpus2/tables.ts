// Tables: ruled grids with merged cells (a header spanning columns, labels spanning rows),
// and zebra-striped tables with no vertical rules.
//
// Expected text: row by row, cells left to right. A merged cell appears once, in the first
// row it spans; its text is set at the top of the cell (as spreadsheets export it), so it
// also stands on that row visually.
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument } from './pages';
import { addNoise, fromRaster, toRaster } from './raster';
import { a4, measure, pt, Sheet, type Font } from './sheet';

interface Cell {
  text: string;
  colspan?: number;
  rowspan?: number;
  bold?: boolean;
  align?: 'left' | 'centre' | 'right';
}

interface Ruled {
  name: string;
  split: EvalDocument['split'];
  title: string;
  note: string;
  family: string;
  points: number;
  /** Column widths in points. */
  columns: number[];
  /** Rows of cells; a cell covered by a span from above or the left is simply left out. */
  rows: Cell[][];
}

/** Places each cell of `rows` in the grid, skipping slots covered by spans. */
function layOut(rows: Cell[][], columnCount: number): Array<{ row: number; col: number; cell: Cell }> {
  const taken = rows.map(() => new Array<boolean>(columnCount).fill(false));
  const placed: Array<{ row: number; col: number; cell: Cell }> = [];
  rows.forEach((cells, r) => {
    let col = 0;
    for (const cell of cells) {
      while (taken[r]![col]) col++;
      placed.push({ row: r, col, cell });
      for (let dr = 0; dr < (cell.rowspan ?? 1); dr++) {
        for (let dc = 0; dc < (cell.colspan ?? 1); dc++) taken[r + dr]![col + dc] = true;
      }
      col += cell.colspan ?? 1;
    }
  });
  return placed;
}

async function ruledTable(spec: Ruled): Promise<EvalDocument> {
  const dpi = 200;
  const { width, height } = a4(dpi);
  const sheet = new Sheet(width, height);
  const font: Font = { family: spec.family, size: pt(spec.points, dpi) };
  const left = pt(56, dpi);
  sheet.text(left, pt(80, dpi), spec.title, { ...font, size: font.size * 1.5, bold: true });
  const top = pt(110, dpi);
  const rowHeight = font.size * 2.1;
  const xs = [left];
  for (const w of spec.columns) xs.push(xs.at(-1)! + pt(w, dpi));
  const stroke = Math.max(2, Math.round(dpi / 100));
  const placed = layOut(spec.rows, spec.columns.length);
  for (const { row, col, cell } of placed) {
    const x0 = xs[col]!;
    const x1 = xs[col + (cell.colspan ?? 1)]!;
    const y0 = top + row * rowHeight;
    const y1 = y0 + (cell.rowspan ?? 1) * rowHeight;
    // The two header rows are shaded.
    const fill = row < 2 ? '#eeeeee' : 'none';
    sheet.shape(`<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="${fill}" stroke="black" stroke-width="${stroke}"/>`);
    const cellFont = { ...font, bold: cell.bold };
    const baseline = y0 + rowHeight * 0.66;
    const pad = font.size * 0.5;
    const textWidth = await measure(cell.text, cellFont);
    const x = cell.align === 'right' ? x1 - pad - textWidth : cell.align === 'centre' ? (x0 + x1 - textWidth) / 2 : x0 + pad;
    if (cell.text) sheet.draw(x, baseline, cell.text, cellFont);
  }
  spec.rows.forEach((cells) => sheet.read(cells.map((cell) => cell.text).filter(Boolean).join(' ')));
  sheet.text(left, top + spec.rows.length * rowHeight + font.size * 2.2, spec.note, font);
  const page = await toRaster(await sheet.render(), 1);
  addNoise(page, 4, spec.columns.length * 17);
  return evalDocument({
    name: spec.name,
    kind: 'table',
    split: spec.split,
    description: `ruled table with merged header cells and row-spanning labels, ${spec.points} pt`,
    bytes: await fromRaster(page).withMetadata({ density: dpi }).png().toBuffer(),
    mediaType: 'image/png',
    expected: sheet.expected(),
  });
}

interface Zebra {
  name: string;
  split: EvalDocument['split'];
  title: string;
  family: string;
  points: number;
  stripe: string;
  /** Column left edges in points; numeric columns are right-aligned to the next edge. */
  columns: number[];
  rightAligned: boolean[];
  header: string[];
  rows: string[][];
}

async function zebraTable(spec: Zebra): Promise<EvalDocument> {
  const dpi = 200;
  const { width, height } = a4(dpi);
  const sheet = new Sheet(width, height);
  const font: Font = { family: spec.family, size: pt(spec.points, dpi) };
  const xs = spec.columns.map((x) => pt(x, dpi));
  const left = xs[0]! - pt(8, dpi);
  const right = pt(540, dpi);
  sheet.text(xs[0]!, pt(80, dpi), spec.title, { ...font, size: font.size * 1.4, bold: true });
  const rowHeight = font.size * 2;
  const top = pt(100, dpi);
  const drawRow = async (cells: string[], y: number, bold: boolean) => {
    const rowFont = { ...font, bold };
    for (const [i, text] of cells.entries()) {
      const edge = i + 1 < xs.length ? xs[i + 1]! - pt(14, dpi) : right - pt(8, dpi);
      const x = spec.rightAligned[i] ? edge - (await measure(text, rowFont)) : xs[i]!;
      sheet.draw(x, y, text, rowFont);
    }
    sheet.read(cells.join(' '));
  };
  await drawRow(spec.header, top + rowHeight * 0.68, true);
  sheet.shape(`<line x1="${left}" y1="${top + rowHeight}" x2="${right}" y2="${top + rowHeight}" stroke="black" stroke-width="3"/>`);
  for (const [r, cells] of spec.rows.entries()) {
    const y0 = top + (r + 1) * rowHeight;
    if (r % 2 === 1) sheet.shape(`<rect x="${left}" y="${y0 + 2}" width="${right - left}" height="${rowHeight}" fill="${spec.stripe}"/>`);
    await drawRow(cells, y0 + rowHeight * 0.68, false);
  }
  const page = await toRaster(await sheet.render(), 1);
  addNoise(page, 3, spec.rows.length * 31);
  return evalDocument({
    name: spec.name,
    kind: 'table',
    split: spec.split,
    description: `zebra-striped table, no vertical rules, ${spec.points} pt`,
    bytes: await fromRaster(page).withMetadata({ density: dpi }).png().toBuffer(),
    mediaType: 'image/png',
    expected: sheet.expected(),
  });
}

export async function tableDocs(): Promise<EvalDocument[]> {
  const num = (text: string): Cell => ({ text, align: 'right' });
  return [
    await ruledTable({
      name: 'table-merged-sales',
      split: 'dev',
      title: 'Sales by region and channel (thousands)',
      note: 'Figures for Q2 2026 are forecasts approved on 28 April.',
      family: FONTS.sans,
      points: 10,
      columns: [90, 80, 80, 80, 80, 80],
      rows: [
        [
          { text: 'Region', rowspan: 2, bold: true },
          { text: 'Channel', rowspan: 2, bold: true },
          { text: '2025', colspan: 2, bold: true, align: 'centre' },
          { text: '2026', colspan: 2, bold: true, align: 'centre' },
        ],
        [
          { text: 'Q1', bold: true, align: 'centre' },
          { text: 'Q2', bold: true, align: 'centre' },
          { text: 'Q1', bold: true, align: 'centre' },
          { text: 'Q2', bold: true, align: 'centre' },
        ],
        [{ text: 'North', rowspan: 2 }, { text: 'Online' }, num('412.6'), num('398.0'), num('455.9'), num('470.0')],
        [{ text: 'Stores' }, num('1,208.3'), num('1,176.4'), num('1,150.2'), num('1,190.0')],
        [{ text: 'South', rowspan: 2 }, { text: 'Online' }, num('287.1'), num('301.5'), num('344.8'), num('360.0')],
        [{ text: 'Stores' }, num('964.0'), num('990.7'), num('1,002.3'), num('1,015.0')],
        [{ text: 'Export', rowspan: 2 }, { text: 'Agents' }, num('156.9'), num('148.2'), num('171.4'), num('180.0')],
        [{ text: 'Direct' }, num('73.5'), num('80.1'), num('92.6'), num('95.0')],
        [{ text: 'Total', colspan: 2, bold: true }, num('3,102.4'), num('3,094.9'), num('3,217.2'), num('3,310.0')],
      ],
    }),
    await ruledTable({
      name: 'table-merged-specs',
      split: 'test',
      title: 'Shelving units: dimensions and load',
      note: 'Loads are per shelf, evenly spread. Wall fixing is required above 1,800 mm.',
      family: FONTS.liberationSerif,
      points: 11,
      columns: [80, 70, 66, 66, 66, 84],
      rows: [
        [
          { text: 'Series', rowspan: 2, bold: true },
          { text: 'Model', rowspan: 2, bold: true },
          { text: 'Dimensions (mm)', colspan: 3, bold: true, align: 'centre' },
          { text: 'Max load', rowspan: 2, bold: true },
        ],
        [
          { text: 'Width', bold: true, align: 'centre' },
          { text: 'Height', bold: true, align: 'centre' },
          { text: 'Depth', bold: true, align: 'centre' },
        ],
        [{ text: 'Basic', rowspan: 3 }, { text: 'B-60' }, num('600'), num('1,200'), num('300'), num('40 kg')],
        [{ text: 'B-80' }, num('800'), num('1,800'), num('300'), num('45 kg')],
        [{ text: 'B-100' }, num('1,000'), num('1,800'), num('400'), num('50 kg')],
        [{ text: 'Heavy', rowspan: 2 }, { text: 'H-120' }, num('1,200'), num('2,000'), num('500'), num('150 kg')],
        [{ text: 'H-150' }, num('1,500'), num('2,400'), num('600'), num('220 kg')],
        [{ text: 'Corner' }, { text: 'C-45' }, num('450'), num('1,800'), num('450'), num('35 kg')],
      ],
    }),
    await zebraTable({
      name: 'table-zebra-timetable',
      split: 'test',
      title: 'Route 12: Market Square to Airport (weekdays)',
      family: FONTS.sansCondensed,
      points: 11,
      stripe: '#e4e8ee',
      columns: [64, 200, 290, 380, 470],
      rightAligned: [false, true, true, true, true],
      header: ['Stop', 'First', 'Peak', 'Off-peak', 'Last'],
      rows: [
        ['Market Square (stand C)', '05:42', '07:10', '10:25', '23:05'],
        ['Guildhall', '05:46', '07:15', '10:29', '23:09'],
        ['Bridge Street', '05:51', '07:22', '10:34', '23:14'],
        ['St Anne\'s Road', '05:55', '07:28', '10:38', '23:18'],
        ['Riverside Park', '06:01', '07:36', '10:44', '23:24'],
        ['Westgate Retail Park', '06:07', '07:44', '10:50', '23:30'],
        ['Hollins Lane', '06:12', '07:51', '10:55', '23:35'],
        ['Business Park North', '06:18', '07:59', '11:01', '23:41'],
        ['Airport Parkway', '06:26', '08:09', '11:09', '23:49'],
        ['Airport Terminal', '06:31', '08:15', '11:14', '23:54'],
      ],
    }),
    await zebraTable({
      name: 'table-zebra-inventory',
      split: 'dev',
      title: 'Stock check, store room B, 27 February 2026',
      family: FONTS.freeSans,
      points: 10,
      stripe: '#eef3e8',
      columns: [64, 130, 320, 400, 470],
      rightAligned: [false, false, true, true, true],
      header: ['Code', 'Description', 'Counted', 'System', 'Difference'],
      rows: [
        ['HX-1020', 'Hex bolts M8 x 40, box of 100', '37', '40', '-3'],
        ['HX-1024', 'Hex bolts M10 x 60, box of 50', '22', '22', '0'],
        ['WS-0310', 'Washers, zinc, 10 mm (1 kg)', '15', '12', '+3'],
        ['CB-7702', 'Cable ties 300 mm, black', '118', '120', '-2'],
        ['TP-0045', 'Masking tape 48 mm x 50 m', '64', '64', '0'],
        ['GL-2210', 'Nitrile gloves, size L', '9', '14', '-5'],
        ['SL-0981', 'Silicone sealant, clear', '31', '30', '+1'],
        ['DR-5506', 'Drill bits HSS, set of 19', '6', '6', '0'],
        ['FL-3308', 'Fuses 13 A, pack of 10', '44', '50', '-6'],
      ],
    }),
  ];
}

// Screenshots of business web apps: 12–14 px anti-aliased sans text, white text on blue and
// dark bars and buttons, coloured status pills, body text on white and light grey panels.
//
// Reading order (the expected text): the screen is split into regions a person sees as
// separate (top bar, side navigation, panels, cards, dialogs, status bar). Regions are read
// top to bottom, and left to right where they stand side by side; inside a region, rows are
// read top to bottom and each row left to right. This is also how Tesseract's page
// segmentation tends to form its blocks: a sidebar or a card is a block of its own.
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument } from './pages';
import { measure, Sheet, type Font } from './sheet';

const rect = (x: number, y: number, w: number, h: number, fill: string, extra = '') =>
  `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${fill}" ${extra}/>`;

/** A rounded label or button around `text`, its text baseline at `y`; returns its width. Draws, does not record. */
async function chip(
  sheet: Sheet,
  x: number,
  y: number,
  text: string,
  font: Font,
  colours: { fill: string; text: string; stroke?: string },
  { padding = 10, radius = 10, anchor = 'start' as 'start' | 'end' } = {},
): Promise<number> {
  const width = Math.ceil((await measure(text, font)) + 2 * padding);
  const left = anchor === 'end' ? x - width : x;
  const height = Math.round(font.size * 1.9);
  // Centred on the text's x-height band, whose middle lies about 0.36 em above the baseline.
  const top = Math.round(y - font.size * 0.36 - height / 2);
  const stroke = colours.stroke ? `stroke="${colours.stroke}" stroke-width="1"` : '';
  sheet.shape(rect(left, top, width, height, colours.fill, `rx="${radius}" ${stroke}`));
  sheet.draw(left + padding, y, text, font, { fill: colours.text });
  return width;
}

/** Texts drawn left to right from `x` with `gap` between them, recorded by the caller. */
async function spread(sheet: Sheet, x: number, y: number, texts: string[], font: Font, fill: string, gap: number): Promise<void> {
  let at = x;
  for (const text of texts) {
    sheet.draw(at, y, text, font, { fill });
    at += (await measure(text, font)) + gap;
  }
}

const PILL = {
  green: { fill: '#16a34a', text: 'white' },
  red: { fill: '#dc2626', text: 'white' },
  orange: { fill: '#f59e0b', text: '#3b2300' },
  grey: { fill: '#e5e7eb', text: '#374151' },
  blue: { fill: '#dbeafe', text: '#1e40af' },
};

async function ordersScreen(): Promise<Sheet> {
  const sheet = new Sheet(1280, 800, 'white');
  const ui: Font = { family: FONTS.sans, size: 14 };
  const small: Font = { family: FONTS.sans, size: 13 };
  // Top bar.
  sheet.shape(rect(0, 0, 1280, 56, '#1d4ed8'));
  sheet.draw(24, 34, 'Northwind Orders', { ...ui, size: 17, bold: true }, { fill: 'white' });
  const nav = ['Dashboard', 'Orders', 'Customers', 'Reports'];
  await spread(sheet, 250, 33, nav, ui, '#e0e7ff', 30);
  sheet.draw(1256, 33, 'Signed in as a.moreno', small, { fill: '#e0e7ff', anchor: 'end' });
  sheet.read(['Northwind Orders', ...nav, 'Signed in as a.moreno'].join(' '));
  // Side navigation.
  sheet.shape(rect(0, 56, 220, 720, '#f3f4f6'));
  const menu = ['Inbox (12)', 'Open orders', 'Back orders', 'Returns', 'Invoices', 'Archive'];
  for (const [i, item] of menu.entries()) {
    const y = 100 + i * 38;
    if (item === 'Open orders') sheet.shape(rect(12, y - 22, 196, 34, '#dbeafe', 'rx="6"'));
    sheet.text(28, y, item, ui, { fill: item === 'Open orders' ? '#1e40af' : '#1f2937' });
  }
  // Main panel: title row with buttons, a note, the table.
  sheet.draw(248, 100, 'Open orders', { ...ui, size: 21, bold: true }, { fill: '#111827' });
  const exportWidth = await chip(sheet, 1252, 99, 'Export CSV', small, { fill: '#e5e7eb', text: '#111827' }, { radius: 6, anchor: 'end' });
  await chip(sheet, 1252 - exportWidth - 12, 99, 'New order', small, { fill: '#2563eb', text: 'white' }, { radius: 6, anchor: 'end' });
  sheet.read('Open orders New order Export CSV');
  sheet.text(248, 134, 'Showing 8 of 143 orders, sorted by date (newest first)', small, { fill: '#4b5563' });
  const columns = [248, 368, 640, 800, 960];
  sheet.shape(rect(236, 152, 1032, 36, '#f9fafb'));
  const header = ['Order', 'Customer', 'Date', 'Amount', 'Status'].map((text, i) => ({ x: columns[i]!, text, fill: '#6b7280' }));
  sheet.row(176, header, { ...small, bold: true, size: 12 });
  const orders: Array<[string, string, string, string, string, keyof typeof PILL]> = [
    ['#10482', 'Harbour Tea Co.', '12 Mar 2026', '1,240.00', 'Paid', 'green'],
    ['#10481', 'Linden & Marsh', '12 Mar 2026', '386.50', 'Pending', 'orange'],
    ['#10479', 'Okoro Textiles', '11 Mar 2026', '7,905.10', 'Overdue', 'red'],
    ['#10477', 'Bellweather Cafe', '10 Mar 2026', '92.00', 'Paid', 'green'],
    ['#10476', 'Studio Vantaa', '10 Mar 2026', '2,114.75', 'Refunded', 'grey'],
    ['#10473', 'Pike Street Books', '9 Mar 2026', '455.20', 'Overdue', 'red'],
    ['#10470', 'Quint Logistics', '8 Mar 2026', '13,480.00', 'Pending', 'orange'],
    ['#10468', 'Marigold Florists', '8 Mar 2026', '71.90', 'Paid', 'green'],
  ];
  for (const [i, [id, customer, date, amount, status, colour]] of orders.entries()) {
    const y = 222 + i * 44;
    sheet.shape(rect(236, y + 20, 1032, 1, '#e5e7eb'));
    for (const [k, text] of [id, customer, date, amount].entries()) sheet.draw(columns[k]!, y, text, small, { fill: '#111827' });
    await chip(sheet, columns[4]!, y, status, { ...small, size: 12, bold: true }, PILL[colour]);
    sheet.read([id, customer, date, amount, status].join(' '));
  }
  // Status bar.
  sheet.shape(rect(0, 776, 1280, 24, '#1f2937'));
  sheet.row(
    793,
    [
      { x: 12, text: 'Connected, last sync 09:42', fill: '#d1d5db' },
      { x: 1268, text: 'Version 4.2.1', anchor: 'end', fill: '#d1d5db' },
    ],
    { family: FONTS.sans, size: 12 },
  );
  return sheet;
}

async function settingsScreen(): Promise<Sheet> {
  const sheet = new Sheet(1440, 900, '#18181b');
  const ui: Font = { family: FONTS.liberationSans, size: 14 };
  const small: Font = { ...ui, size: 13 };
  sheet.shape(rect(0, 0, 1440, 52, '#27272a'));
  sheet.draw(24, 32, 'Acme Cloud Console', { ...ui, size: 16, bold: true }, { fill: 'white' });
  sheet.draw(240, 32, 'Projects / billing-api / Settings', small, { fill: '#a1a1aa' });
  await chip(sheet, 1416, 31, 'Upgrade plan', small, { fill: '#7c3aed', text: 'white' }, { radius: 6, anchor: 'end' });
  sheet.read('Acme Cloud Console Projects / billing-api / Settings Upgrade plan');
  const menu = ['Overview', 'Deployments', 'Logs', 'Metrics', 'Settings', 'Members'];
  for (const [i, item] of menu.entries()) {
    const y = 98 + i * 40;
    if (item === 'Settings') sheet.shape(rect(12, y - 24, 200, 36, '#3f3f46', 'rx="6"'));
    sheet.text(30, y, item, ui, { fill: item === 'Settings' ? 'white' : '#d4d4d8' });
  }
  // General settings card.
  sheet.shape(rect(248, 76, 1160, 300, '#27272a', 'rx="10"'));
  sheet.draw(276, 114, 'General', { ...ui, size: 17, bold: true }, { fill: 'white' });
  await chip(sheet, 360, 113, 'Healthy', { ...small, size: 12, bold: true }, { fill: '#15803d', text: 'white' });
  sheet.read('General Healthy');
  const fields: Array<[string, string]> = [
    ['Project name', 'billing-api'],
    ['Region', 'eu-central-2 (Frankfurt)'],
    ['Created', '4 January 2026 by r.haddad'],
    ['Runtime', 'Node 20 LTS, 2 instances'],
    ['Custom domain', 'pay.acme-example.com'],
  ];
  for (const [i, [label, value]] of fields.entries()) {
    const y = 160 + i * 42;
    sheet.shape(rect(276, y + 16, 1104, 1, '#3f3f46'));
    sheet.draw(276, y, label, small, { fill: '#a1a1aa' });
    sheet.draw(520, y, value, small, { fill: '#f4f4f5' });
    sheet.read(`${label} ${value}`);
  }
  // Danger zone card.
  sheet.shape(rect(248, 400, 1160, 170, '#27272a', 'rx="10" stroke="#7f1d1d" stroke-width="1"'));
  sheet.text(276, 438, 'Danger zone', { ...ui, size: 17, bold: true }, { fill: '#fca5a5' });
  sheet.text(276, 470, 'Deleting the project removes all deployments, logs and secrets. This cannot be undone.', small, { fill: '#d4d4d8' });
  const deleteWidth = await chip(sheet, 276, 522, 'Delete project', small, { fill: '#dc2626', text: 'white' }, { radius: 6 });
  await chip(sheet, 276 + deleteWidth + 14, 522, 'Transfer ownership', small, { fill: '#27272a', text: '#e4e4e7', stroke: '#71717a' }, { radius: 6 });
  sheet.read('Delete project Transfer ownership');
  sheet.text(248, 610, 'Changes are saved automatically. Last saved 2 minutes ago.', { ...ui, size: 12 }, { fill: '#4ade80' });
  return sheet;
}

async function mailScreen(): Promise<Sheet> {
  const sheet = new Sheet(1280, 800, '#ffffff');
  const ui: Font = { family: FONTS.freeSans, size: 14 };
  const small: Font = { ...ui, size: 13 };
  sheet.shape(rect(0, 0, 1280, 60, '#ffffff') + rect(0, 60, 1280, 1, '#d1d5db'));
  sheet.draw(24, 38, 'Postbox', { ...ui, size: 20, bold: true }, { fill: '#2563eb' });
  sheet.shape(rect(200, 14, 520, 34, '#f3f4f6', 'rx="8"'));
  sheet.draw(220, 36, 'Search mail', ui, { fill: '#6b7280' });
  await chip(sheet, 1256, 36, 'Compose', ui, { fill: '#2563eb', text: 'white' }, { radius: 8, padding: 16, anchor: 'end' });
  sheet.read('Postbox Search mail Compose');
  // Folder list.
  sheet.shape(rect(0, 61, 200, 739, '#f9fafb'));
  const folders = ['Inbox 24', 'Starred', 'Sent', 'Drafts 3', 'Spam', 'Bin'];
  for (const [i, folder] of folders.entries()) sheet.text(24, 100 + i * 34, folder, ui, { fill: '#1f2937' });
  // Message list.
  const messages: Array<[string, string, string, string | null, keyof typeof PILL | null, boolean]> = [
    ['Jonas Brekke', 'Flights for the Lisbon workshop', '08:14', 'Travel', 'green', true],
    ['Accounts Payable', 'Remittance advice 55120 (3,420.00)', '07:52', 'Finance', 'orange', true],
    ['Sofia Marchetti', 'Re: contract draft, clause 9 wording', 'Yesterday', null, null, false],
    ['IT Service Desk', 'Password expires in 3 days', 'Yesterday', 'Urgent', 'red', false],
    ['Priya Raman', 'Slides for Friday, final version', 'Mon', null, null, false],
    ['Harbour Tea Co.', 'Your order #10482 has shipped', 'Mon', null, null, false],
    ['Ewa Nowak', 'Lunch on the 19th?', '8 Mar', null, null, false],
  ];
  for (const [i, [sender, subject, time, tag, colour, unread]] of messages.entries()) {
    const top = 61 + i * 64;
    const selected = i === 2;
    sheet.shape(rect(200, top, 1080, 64, selected ? '#2563eb' : '#ffffff') + rect(200, top + 63, 1080, 1, '#e5e7eb'));
    const ink = selected ? 'white' : '#111827';
    const weight = unread ? { ...ui, bold: true } : ui;
    sheet.draw(224, top + 38, sender, weight, { fill: ink });
    sheet.draw(430, top + 38, subject, weight, { fill: ink });
    const cells = [sender, subject];
    if (tag && colour) {
      const subjectWidth = await measure(subject, weight);
      await chip(sheet, 430 + subjectWidth + 16, top + 38, tag, { ...small, size: 12, bold: true }, PILL[colour]);
      cells.push(tag);
    }
    sheet.draw(1256, top + 38, time, small, { fill: selected ? '#dbeafe' : '#6b7280', anchor: 'end' });
    sheet.read([...cells, time].join(' '));
  }
  sheet.text(224, 540, 'You have read all messages from the last 7 days.', small, { fill: '#6b7280' });
  return sheet;
}

async function dialogScreen(): Promise<Sheet> {
  const sheet = new Sheet(1366, 768, '#eef2f7');
  const ui: Font = { family: FONTS.sans, size: 14 };
  // The app behind the dialog, dimmed by the overlay: bars and empty cards, one readable title.
  sheet.shape(rect(0, 0, 1366, 54, '#0f766e'));
  sheet.text(24, 34, 'Timesheets - week 11', { ...ui, size: 16, bold: true }, { fill: 'white' });
  for (let i = 0; i < 3; i++) sheet.shape(rect(40 + i * 440, 90, 400, 240, '#ffffff', 'rx="8"'));
  sheet.shape(rect(0, 0, 1366, 768, '#000000', 'fill-opacity="0.45"'));
  // The dialog.
  sheet.shape(rect(383, 214, 600, 290, '#ffffff', 'rx="12"'));
  sheet.text(415, 262, 'Unsaved changes', { ...ui, size: 19, bold: true }, { fill: '#111827' });
  sheet.block(
    ['You changed 6 entries for Tuesday and Wednesday.', 'Save them before closing, or they will be lost.'],
    415,
    304,
    ui,
    24,
    { fill: '#374151' },
  );
  const saveWidth = await chip(sheet, 951, 456, 'Save and close', ui, { fill: '#2563eb', text: 'white' }, { radius: 6, anchor: 'end', padding: 14 });
  await chip(sheet, 951 - saveWidth - 12, 456, 'Cancel', ui, { fill: '#e5e7eb', text: '#111827' }, { radius: 6, anchor: 'end', padding: 14 });
  await chip(sheet, 415, 456, 'Discard', ui, { fill: '#ffffff', text: '#b91c1c', stroke: '#fca5a5' }, { radius: 6, padding: 14 });
  sheet.read('Discard Cancel Save and close');
  // A toast in the corner, above the overlay.
  sheet.shape(rect(24, 690, 330, 50, '#111827', 'rx="8"'));
  sheet.draw(44, 721, 'Draft saved at 14:05', ui, { fill: 'white' });
  await chip(sheet, 250, 720, 'Synced', { ...ui, size: 12, bold: true }, PILL.green);
  sheet.read('Draft saved at 14:05 Synced');
  return sheet;
}

async function analyticsScreen(): Promise<Sheet> {
  const sheet = new Sheet(1440, 900, '#f1f5f9');
  const ui: Font = { family: FONTS.liberationSans, size: 13 };
  sheet.shape(rect(0, 0, 1440, 64, '#0b1f3a'));
  sheet.draw(32, 40, 'Weekly overview', { ...ui, size: 20, bold: true }, { fill: 'white' });
  sheet.draw(1408, 40, '2 - 8 March 2026', { ...ui, size: 14 }, { fill: '#cbd5e1', anchor: 'end' });
  sheet.read('Weekly overview 2 - 8 March 2026');
  const cards: Array<[string, string, string, keyof typeof PILL, string]> = [
    ['Active users', '18,204', '+4.2%', 'green', 'vs. previous week'],
    ['Sessions', '52,918', '+1.1%', 'green', 'vs. previous week'],
    ['Conversion rate', '3.07%', '-0.4%', 'red', 'vs. previous week'],
    ['Revenue', '94,310.55', '+12.9%', 'green', 'vs. previous week'],
  ];
  for (const [i, [label, value, delta, colour, note]] of cards.entries()) {
    const left = 32 + i * 348;
    sheet.shape(rect(left, 96, 324, 150, '#ffffff', 'rx="10"'));
    sheet.text(left + 24, 132, label, { ...ui, bold: true }, { fill: '#64748b' });
    sheet.text(left + 24, 180, value, { ...ui, size: 30, bold: true }, { fill: '#0f172a' });
    const width = await chip(sheet, left + 24, 222, delta, { ...ui, size: 12, bold: true }, PILL[colour]);
    sheet.draw(left + 24 + width + 10, 222, note, { ...ui, size: 12 }, { fill: '#64748b' });
    sheet.read(`${delta} ${note}`);
  }
  // Table panel.
  sheet.shape(rect(32, 276, 1376, 420, '#ffffff', 'rx="10"'));
  sheet.text(56, 314, 'Top pages', { ...ui, size: 16, bold: true }, { fill: '#0f172a' });
  const columns = [56, 520, 760, 1000, 1200];
  const header = ['Page', 'Views', 'Avg. time', 'Bounce', 'Trend'].map((text, i) => ({ x: columns[i]!, text, fill: '#64748b' }));
  sheet.row(356, header, { ...ui, bold: true, size: 12 });
  const pages: Array<[string, string, string, string, string, keyof typeof PILL]> = [
    ['/pricing', '14,822', '1m 48s', '31%', 'Up', 'green'],
    ['/docs/getting-started', '9,406', '4m 12s', '18%', 'Up', 'green'],
    ['/blog/spring-release-notes', '6,117', '2m 55s', '44%', 'Down', 'red'],
    ['/signup', '5,730', '0m 52s', '27%', 'Flat', 'orange'],
    ['/contact', '2,094', '1m 05s', '52%', 'Down', 'red'],
    ['/careers/backend-engineer', '1,388', '3m 20s', '36%', 'New', 'blue'],
  ];
  for (const [i, [page, views, time, bounce, trend, colour]] of pages.entries()) {
    const y = 400 + i * 46;
    sheet.shape(rect(56, y - 30, 1328, 1, '#e2e8f0'));
    for (const [k, text] of [page, views, time, bounce].entries()) sheet.draw(columns[k]!, y, text, ui, { fill: '#1e293b' });
    await chip(sheet, columns[4]!, y, trend, { ...ui, size: 12, bold: true }, PILL[colour]);
    sheet.read([page, views, time, bounce, trend].join(' '));
  }
  sheet.text(32, 740, 'Data is sampled at 10% for sites with more than 1 million sessions a month.', { ...ui, size: 12 }, { fill: '#64748b' });
  return sheet;
}

export async function screenDocs(): Promise<EvalDocument[]> {
  const screens: Array<[string, EvalDocument['split'], string, () => Promise<Sheet>]> = [
    ['screenshot-orders', 'dev', '1280×800 order list: blue top bar, grey sidebar, table with green/red/orange status pills', ordersScreen],
    ['screenshot-settings-dark', 'test', '1440×900 dark theme settings page: light text on dark panels, red and outline buttons', settingsScreen],
    ['screenshot-mail', 'test', '1280×800 mail client: search field, selected row white on blue, tag pills', mailScreen],
    ['screenshot-dialog', 'dev', '1366×768 modal dialog over a dimmed app, buttons, a toast', dialogScreen],
    ['screenshot-analytics', 'test', '1440×900 dashboard: cards with large figures and delta pills, a table', analyticsScreen],
  ];
  const docs: EvalDocument[] = [];
  for (const [name, split, description, draw] of screens) {
    const sheet = await draw();
    docs.push(
      evalDocument({
        name,
        kind: 'screenshot',
        split,
        description,
        bytes: await (await sheet.render()).withMetadata({ density: 72 }).png().toBuffer(),
        mediaType: 'image/png',
        expected: sheet.expected(),
      }),
    );
  }
  return docs;
}

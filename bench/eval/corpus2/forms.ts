// Filled-in forms: labels, typed values on underlines, boxed fields, comb boxes (one
// character per box) and checkboxes drawn as squares, ticked with a cross.
//
// Expected text: rows top to bottom; in a row, each field's label and then its value, left
// to right. Checkboxes are drawn shapes, not characters: they are not in the expected text,
// only the words beside them. A comb field's value is read as one word.
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument } from './pages';
import { addNoise, fromRaster, toRaster } from './raster';
import { a4, measure, pt, Sheet, type Font } from './sheet';

type Field =
  | { type: 'line'; label: string; value: string; width: number }
  | { type: 'box'; label: string; value: string; width: number }
  | { type: 'comb'; label: string; value: string }
  | { type: 'checks'; label?: string; options: Array<[text: string, checked: boolean]> };

type FormRow = Field[] | { heading: string } | { note: string };

interface Form {
  name: string;
  split: EvalDocument['split'];
  languages?: string[];
  title: string;
  labelFont: string;
  valueFont: string;
  points: number;
  rows: FormRow[];
  seed: number;
}

async function form(spec: Form): Promise<EvalDocument> {
  const dpi = 200;
  const { width, height } = a4(dpi);
  const sheet = new Sheet(width, height);
  const label: Font = { family: spec.labelFont, size: pt(spec.points, dpi) };
  const value: Font = { family: spec.valueFont, size: pt(spec.points + 1, dpi) };
  const ink = '#1b2a6b';
  const stroke = `stroke="black" stroke-width="${Math.round(dpi / 100)}" fill="none"`;
  const left = pt(56, dpi);
  sheet.text(left, pt(70, dpi), spec.title, { ...label, size: label.size * 1.5, bold: true });
  let y = pt(110, dpi);
  const step = label.size * 2.6;
  for (const row of spec.rows) {
    if ('heading' in row) {
      y += step * 0.3;
      sheet.shape(`<rect x="${left - 8}" y="${y - label.size * 1.1}" width="${pt(484, dpi)}" height="${label.size * 1.6}" fill="#e6e6e6"/>`);
      sheet.text(left, y, row.heading, { ...label, bold: true });
      y += step;
      continue;
    }
    if ('note' in row) {
      sheet.text(left, y, row.note, label);
      y += step;
      continue;
    }
    let x = left;
    const read: string[] = [];
    for (const field of row) {
      if (field.type === 'checks') {
        if (field.label) {
          sheet.draw(x, y, field.label, label);
          read.push(field.label);
          x += (await measure(field.label, label)) + label.size * 0.8;
        }
        const side = label.size * 0.9;
        for (const [text, checked] of field.options) {
          const top = y - side * 0.95;
          sheet.shape(`<rect x="${x}" y="${top}" width="${side}" height="${side}" ${stroke}/>`);
          if (checked) {
            sheet.shape(
              `<path d="M${x + 3} ${top + 3} L${x + side - 3} ${top + side - 3} M${x + side - 3} ${top + 3} L${x + 3} ${top + side - 3}" stroke="${ink}" stroke-width="3"/>`,
            );
          }
          sheet.draw(x + side + label.size * 0.4, y, text, label);
          read.push(text);
          x += side + label.size * 0.4 + (await measure(text, label)) + label.size * 1.4;
        }
        continue;
      }
      sheet.draw(x, y, field.label, label);
      read.push(field.label, field.value);
      x += (await measure(field.label, label)) + label.size * 0.6;
      if (field.type === 'comb') {
        const cell = value.size * 1.1;
        for (const [i, char] of [...field.value].entries()) {
          sheet.shape(`<rect x="${x + i * cell}" y="${y - value.size * 1.05}" width="${cell}" height="${value.size * 1.45}" ${stroke}/>`);
          sheet.draw(x + i * cell + cell / 2, y, char, value, { fill: ink, anchor: 'middle' });
        }
        x += field.value.length * cell + label.size * 1.5;
        continue;
      }
      const fieldWidth = pt(field.width, dpi);
      if (field.type === 'line') {
        sheet.shape(`<line x1="${x}" y1="${y + 6}" x2="${x + fieldWidth}" y2="${y + 6}" stroke="black" stroke-width="2" stroke-dasharray="${field.width > 150 ? 'none' : '4 3'}"/>`);
      } else {
        sheet.shape(`<rect x="${x}" y="${y - value.size * 1.15}" width="${fieldWidth}" height="${value.size * 1.6}" ${stroke}/>`);
      }
      sheet.draw(x + value.size * 0.4, y, field.value, value, { fill: ink });
      x += fieldWidth + label.size * 1.5;
    }
    sheet.read(read.join(' '));
    y += step;
  }
  const page = await toRaster(await sheet.render());
  addNoise(page, 4, spec.seed);
  return evalDocument({
    name: spec.name,
    kind: 'form',
    split: spec.split,
    languages: spec.languages,
    description: 'filled-in form: labels, typed values on lines and in boxes, checkboxes',
    bytes: await fromRaster(page).withMetadata({ density: dpi }).png().toBuffer(),
    mediaType: 'image/png',
    expected: sheet.expected(),
  });
}

export async function formDocs(): Promise<EvalDocument[]> {
  const specs: Form[] = [
    {
      name: 'form-membership',
      split: 'dev',
      title: 'Riverside Rowing Club: membership application',
      labelFont: FONTS.sans,
      valueFont: FONTS.mono,
      points: 10,
      seed: 501,
      rows: [
        { heading: '1. Personal details' },
        [
          { type: 'line', label: 'Surname', value: 'Okonkwo-Baptiste', width: 170 },
          { type: 'line', label: 'First name', value: 'Adaeze', width: 120 },
        ],
        [
          { type: 'line', label: 'Date of birth', value: '14/07/1991', width: 110 },
          { type: 'box', label: 'Member no.', value: 'RRC-2291', width: 110 },
        ],
        [{ type: 'line', label: 'Address', value: '27 Tannery Close, Wexbridge WX4 9LT', width: 380 }],
        [
          { type: 'line', label: 'Phone', value: '07700 900456', width: 120 },
          { type: 'line', label: 'Email', value: 'a.okonkwo@example.net', width: 190 },
        ],
        { heading: '2. Membership' },
        [{ type: 'checks', label: 'Type:', options: [['Full', true], ['Student', false], ['Junior', false], ['Social', false]] }],
        [{ type: 'checks', label: 'Experience:', options: [['None', false], ['Some', true], ['Racing', false]] }],
        [
          { type: 'box', label: 'Annual fee', value: '185.00', width: 90 },
          { type: 'line', label: 'Paid by', value: 'Standing order', width: 150 },
        ],
        { heading: '3. Declaration' },
        { note: 'I agree to follow the club\'s safety rules and code of conduct.' },
        [
          { type: 'line', label: 'Signed', value: 'A. Okonkwo-Baptiste', width: 180 },
          { type: 'line', label: 'Date', value: '02/03/2026', width: 110 },
        ],
      ],
    },
    {
      name: 'form-claim',
      split: 'test',
      title: 'Home insurance claim form (part A)',
      labelFont: FONTS.liberationSans,
      valueFont: FONTS.liberationMono,
      points: 10,
      seed: 502,
      rows: [
        [{ type: 'comb', label: 'Policy number', value: 'HC7730412' }],
        [
          { type: 'box', label: 'Policyholder', value: 'Gideon Ashworth', width: 180 },
          { type: 'box', label: 'Postcode', value: 'BS6 7RX', width: 80 },
        ],
        { heading: 'What happened?' },
        [{ type: 'checks', options: [['Escape of water', true], ['Fire or smoke', false], ['Theft', false], ['Storm', false]] }],
        [
          { type: 'line', label: 'Date of loss', value: '19/01/2026', width: 110 },
          { type: 'line', label: 'Time', value: 'about 03:30', width: 100 },
        ],
        [{ type: 'line', label: 'Where in the home', value: 'Kitchen ceiling below the bathroom', width: 300 }],
        [{ type: 'line', label: 'Estimated cost', value: '2,860.00 (plasterer\'s quote attached)', width: 320 }],
        [{ type: 'checks', label: 'Police informed?', options: [['Yes', false], ['No', true]] }],
        [{ type: 'checks', label: 'Is the home still lived in?', options: [['Yes', true], ['No', false]] }],
        { heading: 'Bank details for payment' },
        [
          { type: 'box', label: 'Sort code', value: '20-45-77', width: 100 },
          { type: 'box', label: 'Account', value: '53018826', width: 120 },
        ],
        [{ type: 'line', label: 'Signature', value: 'G. Ashworth', width: 160 }],
      ],
    },
    {
      name: 'form-anmeldung',
      split: 'test',
      languages: ['deu'],
      title: 'Anmeldung zum Sommerkurs 2026',
      labelFont: FONTS.freeSans,
      valueFont: FONTS.freeMono,
      points: 10.5,
      seed: 503,
      rows: [
        { heading: 'Angaben zur Person' },
        [
          { type: 'line', label: 'Name', value: 'Weißgerber', width: 150 },
          { type: 'line', label: 'Vorname', value: 'Jürgen', width: 120 },
        ],
        [{ type: 'line', label: 'Straße, Hausnummer', value: 'Lindenallee 17a', width: 260 }],
        [
          { type: 'box', label: 'PLZ', value: '79098', width: 70 },
          { type: 'box', label: 'Ort', value: 'Freiburg im Breisgau', width: 200 },
        ],
        [{ type: 'line', label: 'Telefon', value: '0761 2094 5518', width: 160 }],
        { heading: 'Kurswahl' },
        [{ type: 'checks', options: [['Töpfern', false], ['Aquarellmalerei', true], ['Fotografie', false]] }],
        [{ type: 'checks', label: 'Ermäßigung:', options: [['Schüler', false], ['Rentner', true], ['keine', false]] }],
        [
          { type: 'box', label: 'Gebühr', value: '145,00 €', width: 100 },
          { type: 'line', label: 'Beginn', value: '13.07.2026', width: 110 },
        ],
        { note: 'Die Gebühr ist bis spätestens zwei Wochen vor Kursbeginn zu überweisen.' },
        [
          { type: 'line', label: 'Ort, Datum', value: 'Freiburg, 21.05.2026', width: 170 },
          { type: 'line', label: 'Unterschrift', value: 'J. Weißgerber', width: 130 },
        ],
      ],
    },
  ];
  const docs: EvalDocument[] = [];
  for (const spec of specs) docs.push(await form(spec));
  return docs;
}

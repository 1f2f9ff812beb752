// Text for the evaluation pages: plain English prose, a table and numbers, written for this
// project. Lines are kept short enough to fit the rendered pages unwrapped.

export const PROSE = [
  'The committee met on Tuesday morning to review the quarterly',
  'report. Several members raised questions about the rising cost',
  'of shipping, which had grown by nearly twelve percent since the',
  'spring. The treasurer explained that most of the increase came',
  'from fuel surcharges and a new contract with the northern depot.',
  'After a short discussion, the group agreed to ask three other',
  'carriers for written offers before the end of the month.',
  'The second item on the agenda concerned the library building.',
  'Its roof has leaked during every heavy storm this year, and the',
  'reading room was closed twice while the floor dried out. An',
  'engineer visited in August and recommended replacing the whole',
  'roof rather than patching it again. Her estimate was reviewed',
  'line by line, and the members voted to approve the repairs.',
  'Finally, the secretary read a letter from a local school asking',
  'whether students could use the hall for a science fair in May.',
  'Everyone welcomed the idea, and a small team will meet with the',
  'teachers next week to plan the tables, power and parking.',
];

export const PROSE_B = [
  'Rivers shape the land slowly, carrying sand and stones from the',
  'mountains toward the sea. Over thousands of years a small stream',
  'can cut a deep valley through solid rock. Where the water slows',
  'down, it drops the heavier grains first and the finest mud last.',
  'Farmers have always valued the rich soil left behind by floods,',
  'even though the same floods can destroy their fields and homes.',
  'Modern dams control the flow and store water for dry seasons,',
  'but they also trap the sediment that once renewed the plains.',
  'Engineers now study how to release some of it downstream again.',
];

export const COLUMN_LEFT = [
  'Bread is one of the oldest',
  'prepared foods. Early bakers',
  'mixed ground grain with water',
  'and cooked the paste on hot',
  'stones. Later they learned',
  'that dough left to rest would',
  'rise and become lighter.',
  'Today bakeries use the same',
  'simple steps: mix, knead,',
  'wait, shape and bake.',
];

export const COLUMN_RIGHT = [
  'Cheese began as a way to keep',
  'milk from spoiling. Salt and',
  'time change its taste and its',
  'texture. A soft cheese may be',
  'ready in a few weeks, while a',
  'hard one can age for years in',
  'a cool cellar. Each region is',
  'proud of its own recipes and',
  'many of them are protected',
  'by law to this day.',
];

/** An invoice: a header row and item rows of four cells each. */
export const TABLE: string[][] = [
  ['Item', 'Quantity', 'Unit price', 'Total'],
  ['Copy paper A4', '12', '4.50', '54.00'],
  ['Blue pens', '40', '0.80', '32.00'],
  ['Stapler', '3', '12.90', '38.70'],
  ['Desk lamp', '2', '29.00', '58.00'],
  ['Envelopes C5', '500', '0.06', '30.00'],
  ['Printer toner', '4', '61.25', '245.00'],
  ['Whiteboard', '1', '89.99', '89.99'],
];

export const SHORT = [
  'Order 58213 was shipped on 14 March 2026.',
  'Please quote this number in all letters.',
  'Questions? Call 0800 555 0199 or write to us.',
];

// Pages in German, French and Spanish (umlauts and ß, accents and ligature-prone words,
// ñ and inverted marks), each read in its own language, and one page mixing English and
// French read with both. Texts written for this project.
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { invoicePage } from './invoice';
import { evalDocument, proseSheet } from './pages';
import { addNoise, fromRaster, toRaster } from './raster';
import type { Sheet } from './sheet';

async function scanned(sheet: Sheet, seed: number): Promise<Buffer> {
  const page = await toRaster(await sheet.render(), 1);
  addNoise(page, 5, seed);
  return fromRaster(page).withMetadata({ density: 200 }).png().toBuffer();
}

const GERMAN_NOTICE = [
  'Sehr geehrte Mieterinnen und Mieter,',
  'am Donnerstag, dem 19. März 2026, wird zwischen 8:00 und',
  '15:30 Uhr die Wasserversorgung im gesamten Gebäude unterbrochen.',
  'Grund ist der Austausch der Steigleitungen im Treppenhaus B.',
  'Bitte füllen Sie vorher ausreichend Trinkwasser ab und lassen Sie',
  'die Wasserhähne geschlossen. Nach Wiederinbetriebnahme kann das',
  'Wasser kurzzeitig trüb sein; lassen Sie es dann etwa zwei Minuten',
  'laufen. Für Rückfragen erreichen Sie Herrn Großmann unter der',
  'Telefonnummer 0341 982 4471 (Mo. bis Fr., 9 bis 12 Uhr).',
  'Wir bitten um Ihr Verständnis und danken für Ihre Geduld.',
  'Mit freundlichen Grüßen',
  'Ihre Hausverwaltung Schröder & Partner',
];

const FRENCH_LETTER = [
  'Madame, Monsieur,',
  'Suite à notre entretien téléphonique du 4 février, je vous',
  'confirme que les travaux de rénovation de la façade débuteront',
  'le lundi 23 mars 2026. L\'échafaudage sera monté côté rue dès le',
  'vendredi précédent ; l\'accès à l\'immeuble restera possible par',
  'la porte cochère. Le coût total, conforme au devis n° 2026-117,',
  's\'élève à 18 430,00 € TTC, dont un acompte de 30 % payable à la',
  'signature. Nous prévoyons une durée de sept à huit semaines,',
  'selon la météo. N\'hésitez pas à me joindre au 04 78 92 15 60 pour',
  'toute question ou précision complémentaire.',
  'Veuillez agréer, Madame, Monsieur, l\'expression de mes',
  'salutations distinguées.',
  'Hélène Marchand, conductrice de travaux',
];

const FRENCH_CIRCULAR = [
  'Association des parents d\'élèves, école Jean-Moulin',
  'Chères familles,',
  'La fête de l\'école aura lieu le samedi 13 juin, de 10 h à 17 h,',
  'dans la cour et le préau. Au programme : spectacle des élèves,',
  'tombola, stand de crêpes et brocante de jouets. Nous cherchons',
  'encore des bénévoles pour tenir la buvette (créneaux d\'une heure)',
  'et des gâteaux faits maison, à déposer le matin même avant 9 h 30.',
  'Les bénéfices financeront la sortie au musée d\'histoire naturelle',
  'prévue en octobre. Merci de rapporter le coupon d\'inscription',
  'avant le 29 mai à l\'enseignant de votre enfant.',
  'Bien cordialement, le bureau de l\'APE',
];

const SPANISH_ARTICLE = [
  '¿Cuánta agua necesita realmente un huerto urbano?',
  'Menos de lo que muchos creen. Un bancal de dos metros cuadrados',
  'consume, en pleno verano, entre ocho y doce litros al día si el',
  'suelo está bien cubierto con paja o restos de poda. El riego por',
  'goteo ahorra hasta un 40 % frente a la manguera, y regar al',
  'amanecer reduce la evaporación. ¡No riegues a mediodía! Las hojas',
  'mojadas bajo el sol fuerte pueden quemarse. En otoño e invierno',
  'basta con revisar la humedad una vez por semana: si al hundir el',
  'dedo tres centímetros la tierra sigue húmeda, no hace falta regar.',
  'La señora Begoña Muñoz, que cultiva tomates, pimientos y caña de',
  'azúcar en su azotea de Valencia, recoge además el agua de lluvia',
  'en dos depósitos de 200 litros.',
];

const SPANISH_LETTER = [
  'Estimado señor Ibáñez:',
  'Le escribimos para confirmar su reserva en la Casa Rural El Roble,',
  'en Cangas de Onís, del viernes 10 al lunes 13 de abril de 2026.',
  'Se trata de la habitación doble con baño y vistas a la montaña,',
  'con desayuno incluido, por un importe total de 312,00 euros.',
  'La llegada es a partir de las 16:00 y la salida antes de las 11:00.',
  '¿Viaja con mascota? Le rogamos que nos lo indique con antelación.',
  'Para llegar, tome la salida 19 de la autovía y siga las señales',
  'hacia Corao; la casa está a 600 metros de la iglesia.',
  'Un cordial saludo,',
  'Nuria Pañeda, recepción',
];

const MIXED_ENGLISH_FRENCH = [
  'Conference programme / Programme du colloque',
  'Tuesday 9 June - Mardi 9 juin',
  '09:00 Registration and coffee / Accueil et café',
  '09:30 Opening address by the Dean, Prof. Amélie Durand-Wright',
  '10:15 Coastal erosion in Brittany: forty years of measurements',
  '11:00 La gestion des dunes en Vendée : bilan et perspectives',
  '11:45 Panel: who pays for sea defences? / Qui paie la défense',
  '      contre la mer ?',
  '12:30 Lunch in the Salle des fêtes / Déjeuner',
  '14:00 Field visit to the Pointe du Grouin (bring boots)',
  'Simultaneous interpretation is available in both languages.',
  'L\'interprétation simultanée est assurée dans les deux langues.',
];

export async function languageDocs(): Promise<EvalDocument[]> {
  const docs: EvalDocument[] = [];
  const invoice = await invoicePage(
    {
      sender: 'Weinhandlung Fröhlich KG',
      senderAddress: 'Königstraße 48, 90402 Nürnberg, Tel. 0911 376 2290',
      recipient: ['Gasthof Zur Brücke', 'Frau Gülşen Maßmann', 'Uferweg 2', '91126 Schwabach'],
      details: ['Rechnung Nr. 2026/0912', 'Rechnungsdatum: 2. März 2026', 'Lieferdatum: 27. Februar 2026'],
      header: ['Artikel', 'Menge', 'Preis', 'Summe'],
      items: [
        ['Silvaner trocken, Franken 0,75 l', '24', '8,90', '213,60'],
        ['Spätburgunder Rotwein 0,75 l', '18', '12,50', '225,00'],
        ['Apfelschorle naturtrüb 1 l', '36', '1,45', '52,20'],
        ['Pfandkisten', '6', '3,30', '19,80'],
      ],
      totals: [
        ['Nettobetrag', '510,60 €'],
        ['zzgl. 19 % USt.', '97,01 €'],
        ['Rechnungsbetrag', '607,61 €'],
      ],
      footer: ['Bitte überweisen Sie den Betrag bis zum 16. März 2026.', 'Vielen Dank für Ihren Auftrag!'],
    },
    200,
    FONTS.liberationSerif,
  );
  docs.push(
    evalDocument({
      name: 'lang-deu-invoice',
      kind: 'language',
      split: 'dev',
      languages: ['deu'],
      description: 'German invoice (umlauts, ß, decimal commas), read as deu',
      bytes: await scanned(invoice.sheet, 901),
      mediaType: 'image/png',
      expected: invoice.sheet.expected(),
    }),
  );
  const pages: Array<[string, EvalDocument['split'], string[], string, string[], string, number, number]> = [
    ['lang-deu-notice', 'test', ['deu'], 'German tenants\' notice, read as deu', GERMAN_NOTICE, FONTS.sans, 11, 902],
    ['lang-fra-letter', 'test', ['fra'], 'French business letter (accents, apostrophes), read as fra', FRENCH_LETTER, FONTS.serif, 11, 903],
    ['lang-fra-circular', 'dev', ['fra'], 'French school circular, read as fra', FRENCH_CIRCULAR, FONTS.freeSans, 11.5, 904],
    ['lang-spa-article', 'dev', ['spa'], 'Spanish article (ñ, ¿ ¡, accents), read as spa', SPANISH_ARTICLE, FONTS.liberationSerif, 11, 905],
    ['lang-spa-letter', 'test', ['spa'], 'Spanish booking letter, read as spa', SPANISH_LETTER, FONTS.sansCondensed, 11, 906],
    ['lang-eng-fra-mixed', 'test', ['eng', 'fra'], 'bilingual English/French programme, read as eng+fra', MIXED_ENGLISH_FRENCH, FONTS.serif, 11, 907],
  ];
  for (const [name, split, languages, description, lines, family, points, seed] of pages) {
    const sheet = proseSheet(200, lines, { family, points });
    docs.push(
      evalDocument({ name, kind: 'language', split, languages, description, bytes: await scanned(sheet, seed), mediaType: 'image/png', expected: sheet.expected() }),
    );
  }
  return docs;
}

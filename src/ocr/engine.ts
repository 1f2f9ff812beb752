/** Names the OCR engine and its data in results: `tesseract.js <version> (<language data>)`. */
const tesseractVersion: string = (require('tesseract.js/package.json') as { version: string }).version;

export const OCR_ENGINE = `tesseract.js ${tesseractVersion} (tessdata 4.0.0_best_int, LSTM)`;

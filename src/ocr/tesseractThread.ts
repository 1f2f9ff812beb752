// Entry point of a tesseract.js worker thread at the OCR priority: lowers this thread's
// priority, then runs tesseract.js's own worker script.
import { lowerThisThread } from './priority';

lowerThisThread();
require('tesseract.js/src/worker-script/node/index.js');

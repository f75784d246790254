/** vectors/container/ on the backends of every runtime (pure, WebCrypto), in Node and Chromium. */

import { pureBackend } from '../../src/backends/pure.js';
import { webCryptoBackend } from '../../src/backends/webcrypto.js';
import { vectorSuite } from './vectorSuite.js';

vectorSuite(pureBackend);
vectorSuite(webCryptoBackend);

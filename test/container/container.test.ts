/** The container on the backends of every runtime (pure, WebCrypto); node's in container.node.test.ts. */

import { pureBackend } from '../../src/backends/pure.js';
import { webCryptoBackend } from '../../src/backends/webcrypto.js';
import { containerSuite } from './suite.js';

containerSuite(pureBackend, [pureBackend, webCryptoBackend]);
containerSuite(webCryptoBackend, [pureBackend, webCryptoBackend]);

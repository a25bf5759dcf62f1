// The query service process: `node dist/main.js` (configuration from the environment).
import { startQueryService } from './service.js';

startQueryService().catch(() => {
  // runService has logged the cause and set the exit code.
  process.exitCode = 1;
});

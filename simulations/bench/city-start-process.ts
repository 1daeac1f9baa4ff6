/**
 * `citytwin all` for the start-up bench (city-start-bench.ts), in its own process: with `package`
 * the product as shipped (the default Wuhan written as a package and loaded through the package
 * loader, or CITYTWIN_CITY's package); with `generated` the generated city built in memory as it
 * was started before city packages (`generatedCityPart`), the baseline. Prints the console URL
 * and stops on SIGTERM.
 */
import { loadConfig } from '../../bin/config.ts';
import { generatedCityPart } from '../../bin/parts/city.ts';
import { startCityTwin } from '../../bin/runtime.ts';

const mode = process.argv[2];
if (mode !== 'package' && mode !== 'generated') {
  process.stderr.write(`city-start-process: ${JSON.stringify(mode)} is not a mode; use package or generated\n`);
  process.exit(2);
}
const config = loadConfig();
const running = await startCityTwin(config, 'all', undefined, mode === 'generated' ? { city: generatedCityPart } : {});
process.stdout.write(`CityTwin console: ${running.url}\n`);
process.once('SIGTERM', () => {
  running
    .close()
    .then(() => process.exit(0))
    .catch(() => process.exit(1));
});

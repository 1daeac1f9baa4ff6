/**
 * The city model and its basemap, built on first use: the city package of CITYTWIN_CITY
 * (checked and loaded by twin-model/city-package; a package with any error stops start-up with
 * the checker's whole report), else the generated schematic Wuhan.
 */
import { loadCityPackage } from '../../twin-model/city-package/index.ts';
import { cityBasemap, generateCity } from '../../twin-model/city/index.ts';
import type { CityBasemap, CityModel } from '../../twin-model/index.ts';
import type { CityTwinConfig } from '../config.ts';

export interface CityPart {
  model: CityModel;
  basemap: () => CityBasemap | null;
}

/** Loads the configured package, or generates the city from the configured seed and size. */
export function cityModel(config: CityTwinConfig): CityPart {
  const model = config.cityPackage ? loadCityPackage(config.cityPackage) : generateCity({ seed: config.citySeed, sensorCount: config.sensorCount });
  let basemap: CityBasemap | null = null;
  return {
    model,
    basemap: () => {
      if (!basemap) basemap = cityBasemap(model);
      return basemap;
    },
  };
}

import { describe, expect, it } from 'vitest';
import { parseBbox, parseImportOsmArgs } from './city-import-osm.ts';

describe('citytwin city import-osm arguments', () => {
  it('reads the file, the folder and the options', () => {
    expect(
      parseImportOsmArgs([
        'town.osm.pbf',
        '--out',
        'pkg',
        '--bbox',
        '114.2,30.5,114.4,30.65',
        '--admin-level=6',
        '--name',
        '武汉',
        '--timezone',
        'Asia/Shanghai',
        '--force',
      ]),
    ).toEqual({
      file: 'town.osm.pbf',
      out: 'pkg',
      force: true,
      options: { bbox: [114.2, 30.5, 114.4, 30.65], adminLevel: 6, name: '武汉', timezone: 'Asia/Shanghai' },
    });
  });

  it.each([
    [['town.osm'], '--out DIR is required'],
    [['--out', 'pkg'], 'no input file'],
    [['town.geojson', '--out', 'pkg'], '"town.geojson" is not an OSM file name; expected FILE.osm.pbf (binary) or FILE.osm (XML)'],
    [['a.osm', 'b.osm', '--out', 'pkg'], 'one input file is expected, got "a.osm" and "b.osm"'],
    [['a.osm', '--out'], '--out needs a value'],
    [['a.osm', '--out', 'pkg', '--admin-level', 'six'], '--admin-level "six" is not a whole number from 1 to 12'],
    [['a.osm', '--out', 'pkg', '--admin-level', '0'], '--admin-level "0" is not a whole number from 1 to 12'],
    [['a.osm', '--out', 'pkg', '--zoom', '3'], 'unknown option "--zoom"'],
  ])('refuses %j: %s', (args, message) => {
    expect(() => parseImportOsmArgs(args)).toThrow(message);
  });

  it.each(['114.2,30.5,114.4', '114.4,30.5,114.2,30.65', '114.2,30.5,x,30.65', '114.2,95,114.4,96', '114.2,,114.4,30.65'])(
    'refuses bbox %j, quoting it',
    (text) => {
      expect(() => parseBbox(text)).toThrow(`--bbox ${JSON.stringify(text)} is not west,south,east,north in degrees`);
    },
  );
});

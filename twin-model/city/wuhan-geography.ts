/**
 * The hand-drawn, schematic geography of Wuhan that `generateCity` builds on: outline, river
 * centrelines, district seats, lakes, functional zones and a few landmarks (the river crossings
 * and trunk roads are in wuhan-roads.ts). Every coordinate here was placed by hand from general
 * knowledge of the city (WGS84, roughly ±1 km) — nothing is traced from AMap, Baidu or
 * OpenStreetMap. It is meant to be recognisable, not accurate: not an official map.
 *
 * District codes and names follow GB/T 2260 (the administrative division codes).
 */
import type { KnownAssetKind, LngLat } from './city-types.ts';

export interface DistrictSpec {
  code: string;
  nameZh: string;
  nameEn: string;
  /** Approximate seat of the district government (label anchor, main Voronoi seed). */
  seat: LngLat;
  /**
   * Extra Voronoi seeds that shape the district (a district is the union of the cells of its
   * seat and these points). They stand in for the real, irregular boundaries.
   */
  shapeSeeds: LngLat[];
  /** One of the 7 central districts (small, dense). */
  central: boolean;
}

/**
 * The corner (112° E, 28° N, south-west of the outline) the generated city's segment grids count
 * their cells from. Only the cells' boundaries depend on it, and through them the order in which
 * the generator meets nearby segments: kept where it always was, so every seed draws the city it
 * always drew.
 */
export const GRID_ORIGIN: LngLat = [112, 28];

export const DISTRICT_SPECS: readonly DistrictSpec[] = [
  // Hankou (north of the Han, west of the Yangtze)
  {
    code: '420102',
    nameZh: '江岸区',
    nameEn: "Jiang'an",
    seat: [114.305, 30.606],
    central: true,
    shapeSeeds: [
      [114.305, 30.645],
      [114.345, 30.668],
      [114.372, 30.674],
    ],
  },
  { code: '420103', nameZh: '江汉区', nameEn: 'Jianghan', seat: [114.27, 30.601], central: true, shapeSeeds: [[114.255, 30.625]] },
  { code: '420104', nameZh: '硚口区', nameEn: 'Qiaokou', seat: [114.222, 30.586], central: true, shapeSeeds: [[114.19, 30.603]] },
  // Hanyang (south of the Han, west of the Yangtze)
  {
    code: '420105',
    nameZh: '汉阳区',
    nameEn: 'Hanyang',
    seat: [114.245, 30.557],
    central: true,
    shapeSeeds: [
      [114.205, 30.522],
      [114.165, 30.556],
    ],
  },
  // Wuchang side (south/east of the Yangtze)
  {
    code: '420106',
    nameZh: '武昌区',
    nameEn: 'Wuchang',
    seat: [114.316, 30.554],
    central: true,
    shapeSeeds: [
      [114.295, 30.515],
      [114.287, 30.5],
      [114.348, 30.596],
    ],
  },
  {
    code: '420107',
    nameZh: '青山区',
    nameEn: 'Qingshan',
    seat: [114.385, 30.64],
    central: true,
    shapeSeeds: [
      [114.43, 30.646],
      [114.49, 30.655],
    ],
  },
  {
    code: '420111',
    nameZh: '洪山区',
    nameEn: 'Hongshan',
    seat: [114.352, 30.505],
    central: true,
    shapeSeeds: [
      [114.45, 30.53],
      [114.56, 30.56],
      [114.55, 30.45],
      [114.26, 30.46],
      [114.19, 30.43],
      [114.425, 30.6],
    ],
  },
  // Outer districts
  {
    code: '420112',
    nameZh: '东西湖区',
    nameEn: 'Dongxihu',
    seat: [114.137, 30.62],
    central: false,
    shapeSeeds: [
      [114.05, 30.665],
      [114.16, 30.705],
      [113.95, 30.68],
      [114.215, 30.66],
    ],
  },
  {
    code: '420113',
    nameZh: '汉南区',
    nameEn: 'Hannan',
    seat: [114.081, 30.309],
    central: false,
    shapeSeeds: [
      [113.98, 30.2],
      [114.06, 30.22],
    ],
  },
  {
    code: '420114',
    nameZh: '蔡甸区',
    nameEn: 'Caidian',
    seat: [114.029, 30.582],
    central: false,
    shapeSeeds: [
      [113.87, 30.55],
      [113.95, 30.47],
      [114.1, 30.46],
    ],
  },
  {
    code: '420115',
    nameZh: '江夏区',
    nameEn: 'Jiangxia',
    seat: [114.321, 30.376],
    central: false,
    shapeSeeds: [
      [114.2, 30.25],
      [114.35, 30.2],
      [114.5, 30.3],
      [114.4, 30.06],
      [114.15, 30.33],
    ],
  },
  {
    code: '420116',
    nameZh: '黄陂区',
    nameEn: 'Huangpi',
    seat: [114.375, 30.882],
    central: false,
    shapeSeeds: [
      [114.25, 30.78],
      [114.42, 30.76],
      [114.3, 31.05],
      [114.45, 31.22],
      [114.2, 30.95],
    ],
  },
  {
    code: '420117',
    nameZh: '新洲区',
    nameEn: 'Xinzhou',
    seat: [114.802, 30.842],
    central: false,
    shapeSeeds: [
      [114.66, 30.72],
      [114.58, 30.69],
      [114.9, 30.66],
      [114.85, 31.02],
      [114.98, 30.9],
    ],
  },
];

export interface RiverSpec {
  id: string;
  nameZh: string;
  nameEn: string;
  /** Downstream order. */
  centreline: LngLat[];
  /** Full width in metres at each centreline vertex. */
  widthsM: number[];
}

/**
 * The Yangtze, flowing SW → NE through the city and leaving to the SE past Xinzhou. It is
 * ~1.1 km wide at the confluence and widens to ~1.6 km downstream.
 */
export const YANGTZE: RiverSpec = {
  id: 'yangtze',
  nameZh: '长江',
  nameEn: 'Yangtze River',
  centreline: [
    [113.8, 30.12],
    [113.9, 30.08],
    [114.0, 30.1],
    [114.06, 30.17],
    [114.1, 30.25],
    [114.115, 30.31],
    [114.11, 30.37],
    [114.115, 30.41],
    [114.14, 30.45],
    [114.17, 30.475],
    [114.21, 30.485],
    [114.245, 30.495],
    [114.268, 30.515],
    [114.28, 30.533],
    [114.289, 30.551],
    [114.298, 30.566],
    [114.312, 30.583],
    [114.327, 30.6],
    [114.345, 30.621],
    [114.37, 30.642],
    [114.4, 30.662],
    [114.44, 30.676],
    [114.48, 30.68],
    [114.52, 30.67],
    [114.56, 30.652],
    [114.62, 30.628],
    [114.7, 30.608],
    [114.78, 30.592],
    [114.86, 30.56],
    [114.93, 30.5],
    [114.98, 30.42],
  ],
  widthsM: [
    1500, 1500, 1500, 1500, 1450, 1400, 1400, 1350, 1300, 1300, 1250, 1250, 1200, 1150, 1100, 1100, 1150, 1200, 1300, 1400, 1500, 1500,
    1500, 1500, 1500, 1550, 1550, 1600, 1600, 1600, 1600,
  ],
};

/** The Han, from the west, joining the Yangtze between 龟山 and Hankou (龙王庙). */
export const HAN: RiverSpec = {
  id: 'han',
  nameZh: '汉江',
  nameEn: 'Han River',
  centreline: [
    [113.66, 30.63],
    [113.74, 30.622],
    [113.8, 30.615],
    [113.88, 30.628],
    [113.95, 30.615],
    [114.0, 30.606],
    [114.05, 30.601],
    [114.1, 30.598],
    [114.15, 30.59],
    [114.19, 30.58],
    [114.225, 30.574],
    [114.255, 30.569],
    [114.278, 30.566],
    // ends on the Yangtze centreline so the two water polygons overlap cleanly
    [114.298, 30.566],
  ],
  widthsM: [250, 250, 260, 260, 270, 270, 280, 280, 290, 300, 300, 310, 320, 320],
};

function yangtzeAt(index: number): LngLat {
  const p = YANGTZE.centreline[index];
  if (!p) throw new Error(`no Yangtze vertex ${index}`);
  return [p[0], p[1]];
}

/**
 * The city outline (closed, clockwise as drawn; normalised later). Where the Yangtze is the
 * city boundary (past Xinzhou, and along Hannan's south where the far bank is Jiayu and Ezhou)
 * the outline runs along the river centreline itself, so cutting the river out of the outline
 * leaves no sliver of far bank inside the city.
 */
export function outlineRing(): LngLat[] {
  const northAndEast: LngLat[] = [
    [114.46, 31.36],
    [114.55, 31.3],
    [114.6, 31.2],
    [114.64, 31.1],
    [114.72, 31.05],
    [114.82, 31.04],
    [114.92, 31.02],
    [115.0, 30.99],
    [115.08, 30.93],
    [115.05, 30.85],
    [114.98, 30.78],
    [114.95, 30.68],
    [114.95, 30.58],
  ];
  // Yangtze from where it leaves the city back upstream to the Ezhou boundary.
  const riverEast: LngLat[] = [yangtzeAt(29), yangtzeAt(28), yangtzeAt(27), yangtzeAt(26)];
  const a = yangtzeAt(26);
  const b = yangtzeAt(25);
  riverEast.push([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
  const southEast: LngLat[] = [
    [114.64, 30.57],
    [114.66, 30.5],
    [114.63, 30.43],
    [114.66, 30.36],
    [114.64, 30.28],
    [114.6, 30.18],
    [114.52, 30.08],
    [114.42, 30.0],
    [114.3, 29.97],
    [114.2, 29.99],
    [114.12, 30.03],
  ];
  const riverSouthWest: LngLat[] = [yangtzeAt(3), yangtzeAt(2)];
  const west: LngLat[] = [
    [113.96, 30.15],
    [113.93, 30.23],
    [113.91, 30.31],
    [113.84, 30.37],
    [113.76, 30.42],
    [113.71, 30.48],
    [113.7, 30.55],
    [113.72, 30.64],
    [113.78, 30.7],
    [113.88, 30.74],
    [113.98, 30.76],
    [114.04, 30.8],
    [114.08, 30.88],
    [114.1, 30.98],
    [114.15, 31.08],
    [114.22, 31.16],
    [114.3, 31.25],
    [114.38, 31.32],
  ];
  const ring = [...northAndEast, ...riverEast, ...southEast, ...riverSouthWest, ...west];
  ring.push([ring[0]?.[0] ?? 0, ring[0]?.[1] ?? 0]);
  return ring;
}

export interface LakeSpec {
  id: string;
  nameZh: string;
  nameEn: string;
  centre: LngLat;
  /** Target area of the drawn shape (before any clipping to the outline), km². */
  areaKm2: number;
  /** East–west stretch of the blob (1 = round). */
  aspect: number;
  rotationDeg: number;
  /** Amplitude of the lobes (0 = ellipse). */
  lobes: number;
  /** Only the part inside the city outline is kept (Liangzi lies mostly in Ezhou). */
  clipToOutline?: boolean;
}

export const LAKE_SPECS: readonly LakeSpec[] = [
  {
    id: 'east-lake',
    nameZh: '东湖',
    nameEn: 'East Lake',
    centre: [114.415, 30.568],
    areaKm2: 33,
    aspect: 1.25,
    rotationDeg: 8,
    lobes: 0.2,
  },
  {
    id: 'tangxun-lake',
    nameZh: '汤逊湖',
    nameEn: 'Tangxun Lake',
    centre: [114.37, 30.43],
    areaKm2: 47,
    aspect: 1.8,
    rotationDeg: -5,
    lobes: 0.16,
  },
  {
    id: 'south-lake',
    nameZh: '南湖',
    nameEn: 'South Lake',
    centre: [114.322, 30.492],
    areaKm2: 7.7,
    aspect: 1.6,
    rotationDeg: 12,
    lobes: 0.1,
  },
  { id: 'sha-lake', nameZh: '沙湖', nameEn: 'Sha Lake', centre: [114.331, 30.572], areaKm2: 3.1, aspect: 1.2, rotationDeg: 0, lobes: 0.06 },
  {
    id: 'moshui-lake',
    nameZh: '墨水湖',
    nameEn: 'Moshui Lake',
    centre: [114.23, 30.536],
    areaKm2: 3.9,
    aspect: 1.4,
    rotationDeg: 0,
    lobes: 0.08,
  },
  {
    id: 'houguan-lake',
    nameZh: '后官湖',
    nameEn: 'Houguan Lake',
    centre: [114.085, 30.513],
    areaKm2: 12,
    aspect: 1.3,
    rotationDeg: 30,
    lobes: 0.2,
  },
  {
    id: 'liangzi-lake',
    nameZh: '梁子湖',
    nameEn: 'Liangzi Lake',
    centre: [114.68, 30.24],
    areaKm2: 220,
    aspect: 1.1,
    rotationDeg: 20,
    lobes: 0.22,
    clipToOutline: true,
  },
];

export interface ZoneSpec {
  id: string;
  nameZh: string;
  nameEn: string;
  /** Hand-drawn ring, or a lake's shape scaled about its centre. */
  shape: { ring: LngLat[] } | { aroundLake: string; scale: number };
}

export const ZONE_SPECS: readonly ZoneSpec[] = [
  {
    id: 'east-lake-hitech',
    nameZh: '东湖高新区',
    nameEn: 'East Lake High-Tech Zone (Optics Valley)',
    shape: {
      ring: [
        [114.385, 30.525],
        [114.47, 30.54],
        [114.6, 30.53],
        [114.655, 30.47],
        [114.62, 30.39],
        [114.5, 30.37],
        [114.42, 30.39],
        [114.39, 30.46],
      ],
    },
  },
  {
    id: 'wuhan-edz',
    nameZh: '武汉经开区',
    nameEn: 'Wuhan Economic & Technological Development Zone',
    shape: {
      ring: [
        [114.06, 30.535],
        [114.17, 30.54],
        [114.215, 30.5],
        [114.17, 30.44],
        [114.08, 30.42],
        [114.03, 30.47],
      ],
    },
  },
  {
    id: 'airport-edz',
    nameZh: '临空港经开区',
    nameEn: 'Airport Economic Development Zone',
    shape: {
      ring: [
        [114.05, 30.64],
        [114.2, 30.645],
        [114.245, 30.72],
        [114.23, 30.8],
        [114.12, 30.81],
        [114.03, 30.72],
      ],
    },
  },
  { id: 'east-lake-scenic', nameZh: '东湖风景区', nameEn: 'East Lake Scenic Area', shape: { aroundLake: 'east-lake', scale: 1.25 } },
  {
    id: 'changjiang-new-area',
    nameZh: '长江新区',
    nameEn: 'Changjiang New Area',
    shape: {
      ring: [
        [114.33, 30.665],
        [114.6, 30.64],
        [114.67, 30.7],
        [114.62, 30.8],
        [114.46, 30.83],
        [114.34, 30.76],
      ],
    },
  },
];

export interface LandmarkSpec {
  id: string;
  nameZh: string;
  nameEn: string;
  at: LngLat;
  /** Also placed as a (non-synthetic) asset of this kind. */
  asset?: KnownAssetKind;
}

/** Real places with approximate positions: facts, fine to name. */
export const LANDMARK_SPECS: readonly LandmarkSpec[] = [
  { id: 'yellow-crane-tower', nameZh: '黄鹤楼', nameEn: 'Yellow Crane Tower', at: [114.303, 30.545] },
  { id: 'hankou-station', nameZh: '汉口站', nameEn: 'Hankou Railway Station', at: [114.256, 30.618], asset: 'metro_station' },
  { id: 'wuchang-station', nameZh: '武昌站', nameEn: 'Wuchang Railway Station', at: [114.317, 30.529], asset: 'metro_station' },
  { id: 'wuhan-station', nameZh: '武汉站', nameEn: 'Wuhan Railway Station', at: [114.424, 30.607], asset: 'metro_station' },
  { id: 'tianhe-airport', nameZh: '天河机场', nameEn: 'Tianhe International Airport', at: [114.208, 30.776], asset: 'metro_station' },
  { id: 'optics-valley-square', nameZh: '光谷广场', nameEn: 'Optics Valley Square', at: [114.398, 30.505], asset: 'metro_station' },
  { id: 'wuhan-university', nameZh: '武汉大学', nameEn: 'Wuhan University', at: [114.365, 30.538] },
  { id: 'jianghan-road', nameZh: '江汉路步行街', nameEn: 'Jianghan Road Pedestrian Street', at: [114.289, 30.584] },
];

/**
 * The registered data sources of the schematic city: who owns each feed and how it is
 * classified (public / internal / sensitive), after Wuhan's data-hub metadata standard and
 * classification guide (元数据标准, 分级分类指南). Health and city-code data are personal
 * data, hence sensitive; operational feeds of departments are internal; published
 * environmental and hydrological data are public.
 */
import type { Source } from './city-types.ts';

/** Source ids used by the generator for each feed. */
export const SOURCE_IDS = {
  rainGauges: 'swj.rain-gauges',
  waterlogging: 'swj.waterlogging',
  lakeLevels: 'swj.lake-levels',
  pumpTeams: 'swj.pump-teams',
  riverLevels: 'cjw.river-levels',
  weatherRain: 'qxj.aws-rainfall',
  temperature: 'qxj.aws-temperature',
  trafficFlow: 'jgj.traffic-flow',
  bridgeTunnelFlow: 'cjj.bridge-tunnel-flow',
  airQuality: 'sthjj.air-quality',
  waterQuality: 'sthjj.water-quality',
  substations: 'sgcc-wh.substation-load',
  hospitalEd: 'wjw.hospital-ed',
  ems: 'wjw.ems-120',
  metro: 'wuhan-metro.ridership',
  cityCode: 'dsj.city-code-scans',
  serviceHalls: 'zwfw.service-hall-queues',
  onlineServices: 'zwfw.online-services',
  hotline: 'hotline.12345-cases',
  videoAi: 'dsj.video-algorithms',
  cameras: 'gaj.public-video',
  fireStations: 'xfjy.fire-stations',
  alerts: 'yjj.alerts',
  busGps: 'jtj.bus-gps',
  gasNetwork: 'wuhan-gas.pressure',
} as const;

/**
 * Names the hotline and the AI hub publish their reports under (`citytwin/v1/events/{source}`,
 * the simulator's too): classified as the catalogue sources above.
 */
export const EVENT_SOURCES = { hotline: 'hotline-12345', videoAi: 'aihub-video' } as const;

const WATER = { departmentZh: '武汉市水务局', departmentEn: 'Wuhan Water Authority' };
const MET = { departmentZh: '武汉市气象局', departmentEn: 'Wuhan Meteorological Bureau' };
const ECO = { departmentZh: '武汉市生态环境局', departmentEn: 'Wuhan Ecology and Environment Bureau' };
const HEALTH = { departmentZh: '武汉市卫生健康委员会', departmentEn: 'Wuhan Municipal Health Commission' };
const SERVICES = { departmentZh: '武汉市政务服务局', departmentEn: 'Wuhan Government Services Bureau' };
const BIG_DATA = { departmentZh: '武汉市大数据中心', departmentEn: 'Wuhan Big Data Center' };

/** The ~25 registered sources. Returns fresh objects (callers may keep them). */
export function citySources(): Source[] {
  const S = SOURCE_IDS;
  return [
    { id: S.rainGauges, nameZh: '雨量监测站网', nameEn: 'Rain gauge network', ...WATER, classification: 'public' },
    { id: S.waterlogging, nameZh: '道路渍水监测', nameEn: 'Road waterlogging monitoring', ...WATER, classification: 'internal' },
    { id: S.lakeLevels, nameZh: '湖泊水位监测', nameEn: 'Lake level monitoring', ...WATER, classification: 'public' },
    { id: S.pumpTeams, nameZh: '排水抢险队伍定位', nameEn: 'Drainage pump team positions', ...WATER, classification: 'internal' },
    {
      id: S.riverLevels,
      nameZh: '长江汉江水位',
      nameEn: 'Yangtze and Han river levels',
      departmentZh: '长江水利委员会水文局',
      departmentEn: 'Changjiang Water Resources Commission, Bureau of Hydrology',
      classification: 'public',
    },
    { id: S.weatherRain, nameZh: '自动气象站降水', nameEn: 'Automatic weather station rainfall', ...MET, classification: 'public' },
    {
      id: S.temperature,
      nameZh: '自动气象站气温湿度',
      nameEn: 'Automatic weather station temperature and humidity',
      ...MET,
      classification: 'public',
    },
    {
      id: S.trafficFlow,
      nameZh: '道路卡口车流',
      nameEn: 'Road checkpoint traffic flow',
      departmentZh: '武汉市公安局交通管理局',
      departmentEn: 'Wuhan Public Security Traffic Management Bureau',
      classification: 'internal',
    },
    {
      id: S.bridgeTunnelFlow,
      nameZh: '桥隧车流监测',
      nameEn: 'Bridge and tunnel traffic monitoring',
      departmentZh: '武汉市城乡建设局',
      departmentEn: 'Wuhan Urban and Rural Construction Bureau',
      classification: 'internal',
    },
    { id: S.airQuality, nameZh: '空气质量自动监测', nameEn: 'Air quality monitoring', ...ECO, classification: 'public' },
    { id: S.waterQuality, nameZh: '水质自动监测', nameEn: 'Water quality monitoring', ...ECO, classification: 'public' },
    {
      id: S.substations,
      nameZh: '变电站负荷',
      nameEn: 'Substation load',
      departmentZh: '国网武汉供电公司',
      departmentEn: 'State Grid Wuhan Power Supply Company',
      classification: 'internal',
    },
    { id: S.hospitalEd, nameZh: '医院急诊负荷', nameEn: 'Hospital emergency department load', ...HEALTH, classification: 'sensitive' },
    {
      id: S.ems,
      nameZh: '120急救调度',
      nameEn: '120 emergency medical dispatch',
      departmentZh: '武汉市急救中心',
      departmentEn: 'Wuhan Emergency Medical Center',
      classification: 'sensitive',
    },
    {
      id: S.metro,
      nameZh: '地铁车站客流',
      nameEn: 'Metro station ridership',
      departmentZh: '武汉地铁集团',
      departmentEn: 'Wuhan Metro Group',
      classification: 'internal',
    },
    { id: S.cityCode, nameZh: '一码互联扫码量', nameEn: 'City code (Yima Hulian) scan volume', ...BIG_DATA, classification: 'sensitive' },
    { id: S.serviceHalls, nameZh: '政务服务大厅排队', nameEn: 'Government service hall queues', ...SERVICES, classification: 'internal' },
    { id: S.onlineServices, nameZh: '一网通办办件量', nameEn: 'One-stop online service volume', ...SERVICES, classification: 'internal' },
    {
      id: S.hotline,
      nameZh: '民呼我应 12345 工单',
      nameEn: '12345 citizen hotline cases',
      departmentZh: '武汉市12345市民服务热线',
      departmentEn: 'Wuhan 12345 Citizen Service Hotline',
      classification: 'sensitive',
      eventSources: [EVENT_SOURCES.hotline],
    },
    {
      id: S.videoAi,
      nameZh: '算法超市视频识别',
      nameEn: 'Algorithm marketplace video detections',
      ...BIG_DATA,
      classification: 'internal',
      eventSources: [EVENT_SOURCES.videoAi],
    },
    {
      id: S.cameras,
      nameZh: '公共视频监控',
      nameEn: 'Public video surveillance',
      departmentZh: '武汉市公安局',
      departmentEn: 'Wuhan Public Security Bureau',
      classification: 'sensitive',
    },
    {
      id: S.fireStations,
      nameZh: '消防站力量',
      nameEn: 'Fire station resources',
      departmentZh: '武汉市消防救援支队',
      departmentEn: 'Wuhan Fire and Rescue Detachment',
      classification: 'internal',
    },
    {
      id: S.alerts,
      nameZh: '预警信息发布',
      nameEn: 'Emergency alerts',
      departmentZh: '武汉市应急管理局',
      departmentEn: 'Wuhan Emergency Management Bureau',
      classification: 'public',
    },
    {
      id: S.busGps,
      nameZh: '公交车辆定位',
      nameEn: 'Bus positions',
      departmentZh: '武汉市交通运输局',
      departmentEn: 'Wuhan Transport Bureau',
      classification: 'internal',
    },
    {
      id: S.gasNetwork,
      nameZh: '燃气管网压力',
      nameEn: 'Gas network pressure',
      departmentZh: '武汉市燃气集团',
      departmentEn: 'Wuhan Gas Group',
      classification: 'internal',
    },
  ];
}

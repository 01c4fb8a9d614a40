/**
 * Wire constants of the sensor management protocol (0x15, DEN0056 §4.7): versions, message
 * and event ids, and the bit fields of its requests, replies and notifications.
 * @module
 */

/** Sensor protocol versions vscmi speaks, `(major << 16) | minor`. */
export const SensorVersion = {
  /** SCMI 1.0–2.0: scalar readings, update interval in the descriptor, trip points. */
  V1: 0x10000,
  /**
   * SCMI 3.0: axes, extended attributes, timestamped readings, update interval lists,
   * CONFIG_GET/SET, continuous updates (SENSOR_UPDATE).
   */
  V2: 0x20000,
  /** SCMI 3.1: extended names (SENSOR_NAME_GET, SENSOR_AXIS_NAME_GET). */
  V3: 0x30000,
  /** SCMI 3.2: no layout change for this protocol. */
  V3_1: 0x30001,
} as const;

/** Sensor protocol command ids. SENSOR_READING_GET is also its delayed response's id. */
export const SensorMsg = {
  PROTOCOL_ATTRIBUTES: 0x1,
  SENSOR_DESCRIPTION_GET: 0x3,
  SENSOR_TRIP_POINT_NOTIFY: 0x4,
  SENSOR_TRIP_POINT_CONFIG: 0x5,
  SENSOR_READING_GET: 0x6,
  SENSOR_AXIS_DESCRIPTION_GET: 0x7,
  SENSOR_LIST_UPDATE_INTERVALS: 0x8,
  SENSOR_CONFIG_GET: 0x9,
  SENSOR_CONFIG_SET: 0xa,
  SENSOR_CONTINUOUS_UPDATE_NOTIFY: 0xb,
  SENSOR_NAME_GET: 0xc,
  SENSOR_AXIS_NAME_GET: 0xd,
} as const;

/** Sensor protocol notification ids. */
export const SensorEvent = {
  SENSOR_TRIP_POINT_EVENT: 0x0,
  SENSOR_UPDATE: 0x1,
} as const;

/** Descriptor `attributes_low` bits (SENSOR_DESCRIPTION_GET). */
export const SensorAttrLow = {
  /** Asynchronous reads (SENSOR_READING_GET flag bit 0) are supported. */
  ASYNC: 0x8000_0000,
  /** 2.0+: SENSOR_CONTINUOUS_UPDATE_NOTIFY can be enabled. */
  CONTINUOUS_UPDATE: 0x4000_0000,
  /** 3.0+: the name is longer than the 16-byte field; SENSOR_NAME_GET has all of it. */
  EXTENDED_NAME: 0x2000_0000,
  /** 2.0+: bits 14:10 hold the signed power-of-ten exponent of the timestamp unit. */
  TIMESTAMP_EXP_SHIFT: 10,
  /** 2.0+: readings carry a timestamp. */
  TIMESTAMP: 0x0000_0200,
  /** 2.0+: sensor_power, and for scalar sensors resolution and range, follow the name. */
  EXTENDED_ATTRS: 0x0000_0100,
  /** Bits 7:0: number of trip points. */
  TRIP_POINTS_MASK: 0xff,
} as const;

/** Descriptor `attributes_high` fields (SENSOR_DESCRIPTION_GET). */
export const SensorAttrHigh = {
  /** 1.0 only: bits 31:27 update interval, seconds multiplier (0 = not stated). */
  V1_INTERVAL_SECS_SHIFT: 27,
  /** 1.0 only: bits 26:22 signed power-of-ten exponent of the update interval. */
  V1_INTERVAL_EXP_SHIFT: 22,
  /** 2.0+: bits 21:16 number of axes. */
  AXES_SHIFT: 16,
  /** Bits 15:11 signed power-of-ten exponent of the sensor's unit. */
  SCALE_SHIFT: 11,
  /** 2.0+: the sensor has axes (SENSOR_AXIS_DESCRIPTION_GET). */
  AXIS_SUPPORT: 0x0000_0100,
  /** Bits 7:0 sensor type. */
  TYPE_MASK: 0xff,
} as const;

/** Axis descriptor `attributes_low` bits (SENSOR_AXIS_DESCRIPTION_GET). */
export const AxisAttrLow = {
  /** 3.0+: the axis name is longer than 16 bytes; SENSOR_AXIS_NAME_GET has all of it. */
  EXTENDED_NAME: 0x0000_0200,
  /** Resolution and range follow the name. */
  EXTENDED_ATTRS: 0x0000_0100,
} as const;

/** SENSOR_LIST_UPDATE_INTERVALS `num_intervals_flags` fields. */
export const IntervalsFlags = {
  /** Bits 11:0 intervals returned. */
  RETURNED_MASK: 0xfff,
  /** Bit 12: the intervals are one (low, high, step) segment. */
  SEGMENT: 0x1000,
  /** Bits 31:16 intervals remaining. */
  REMAINING_SHIFT: 16,
} as const;

/** SENSOR_CONFIG_GET/SET `sensor_config` fields. */
export const SensorConfig = {
  /** Bits 31:16 update interval, seconds multiplier. */
  INTERVAL_SECS_SHIFT: 16,
  /** Bits 15:11 signed power-of-ten exponent of the update interval. */
  INTERVAL_EXP_SHIFT: 11,
  /** Bits 10:9 (SET only) how to round the interval: 0 down, 1 up, 2 the platform's choice. */
  ROUND_SHIFT: 9,
  /** Bits 8:2 are reserved. */
  RESERVED: 0x0000_01fc,
  /** Bit 1: readings carry a timestamp. */
  TIMESTAMP: 0x0000_0002,
  /** Bit 0: the sensor is enabled. */
  ENABLED: 0x0000_0001,
} as const;

/** SENSOR_CONFIG_SET rounding modes (bits 10:9). */
export const IntervalRound = { DOWN: 0, UP: 1, AUTO: 2 } as const;

/** SENSOR_TRIP_POINT_CONFIG `trip_point_ev_ctrl` fields. */
export const TripCtrl = {
  /** Bits 1:0 event control: which crossings raise an event. */
  MODE_MASK: 0x3,
  /** Bits 11:4 trip point id. */
  ID_SHIFT: 4,
  /** Bits 31:12 and 3:2 are reserved. */
  RESERVED: 0xffff_f00c,
} as const;

/** Trip point event control values (bits 1:0): none, positive, negative or both crossings. */
export const TripMode = { DISABLED: 0, POSITIVE: 1, NEGATIVE: 2, BOTH: 3 } as const;

/** SENSOR_TRIP_POINT_EVENT `trip_point_desc`: bit 16 set for a crossing upwards. */
export const TRIP_DESC_ASCENDING = 0x0001_0000;

/** SENSOR_READING_GET `flags` bit 0: answer at once, send the reading as a delayed response. */
export const READ_ASYNC = 0x1;

/** Most axes a sensor can have (6-bit fields). */
export const MAX_AXES = 63;

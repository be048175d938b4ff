/**
 * @amqp-go/protocol: the AMQP 0-9-1 codec, generated from the spec. Frames, methods, content
 * headers and field tables; zero dependencies.
 */
export { ProtocolError, replyText } from "./errors.js";
export {
  Decimal,
  decodeFieldArray,
  decodeFieldTable,
  encodeFieldArray,
  encodeFieldTable,
  type FieldArray,
  type FieldTable,
  type FieldValue,
  fieldTableSize,
  type NumericTag,
  TypedValue,
  typed,
} from "./field-table.js";
export { type FrameHandler, FrameParser, type FrameParserOptions } from "./frame-parser.js";
export {
  bodyFramesSize,
  FRAME_OVERHEAD,
  FrameWriter,
  type FrameWriterOptions,
  HEARTBEAT_FRAME,
  PROTOCOL_HEADER,
  writeBodyFrame,
  writeHeaderFrame,
  writeMethodFrame,
  writeRawHeaderFrame,
} from "./frame-writer.js";
export {
  AMQP_PORT,
  FRAME_END,
  FRAME_MIN_SIZE,
  FrameType,
  isHardError,
  PROTOCOL_VERSION,
  ReplyCode,
  replyCodeName,
} from "./generated/constants.js";
export * from "./generated/method-codec.js";
export {
  type FieldInfo,
  METHODS,
  type MethodInfo,
  methodHasContent,
  methodIsSynchronous,
  methodName,
  type WireType,
} from "./generated/method-info.js";
export * from "./generated/methods.js";
export { type BasicProperties, BasicPropertiesFlag, decodeBasicProperties, encodeBasicProperties, PROPERTIES } from "./generated/properties.js";

'use strict';
// ipcd's wire format (doc/PROTOCOL.md sections 2 and 3): a frame is a 4-byte
// big-endian length N and a body of N bytes holding one MessagePack map.
// Requests are written by encode.js, replies read by decode.js, both with
// the msgpackr of msgpack.js.
const { Extension } = require('./msgpack');
const encode = require('./encode');
const decode = require('./decode');

const PROTOCOL_MAX_MESSAGE = 64 * 1024 * 1024; // the largest max_message there is
const DEFAULT_MAX_MESSAGE = 1024 * 1024;       // ipcd's default max_message
const MAX_ID = Number.MAX_SAFE_INTEGER;        // ids stay below 2^53

module.exports = {
  PROTOCOL_MAX_MESSAGE,
  DEFAULT_MAX_MESSAGE,
  MAX_ID,
  Extension,
  ...encode,
  ...decode,
};

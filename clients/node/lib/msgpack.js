'use strict';
// msgpackr, set up to read and write standard MessagePack only.
//
// It is loaded through its "index-no-eval" entry: pure JavaScript, no
// native addon and no generated code, with a module state of its own, so
// the extension readers registered here touch nobody else's msgpackr.
const msgpackr = require('msgpackr/index-no-eval');

// Standard MessagePack only: no records, no undefined extension (undefined
// is nil, as null), Map as a map, Set and typed arrays as arrays and bin.
// The one extension msgpackr then writes is the standard timestamp (-1),
// for a Date.
const packr = new msgpackr.Packr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  encodeUndefinedAsNil: true,
  variableMapSize: true,
});

const unpackOptions = {
  useRecords: false,
  int64AsType: 'auto', // a number within ±2^53, else a BigInt
  copyBuffers: true,   // a bin value must not pin the whole socket chunk
};
// Maps as plain objects (numbers, booleans and nil as keys become strings);
// a value holding a map whose keys are arrays, maps or bin is decoded again
// with every map as a Map.
const unpackr = new msgpackr.Unpackr({ ...unpackOptions, mapsAsObjects: true });
const unpackrMaps = new msgpackr.Unpackr({ ...unpackOptions, mapsAsObjects: false });

// An extension value other than the timestamp, as received.
class Extension {
  constructor(type, data) {
    this.type = type; // -128 to 127
    this.data = data; // Buffer
  }
}

// msgpackr reads some extension types as its own (undefined, Set, Error,
// RegExp, references, ...): a worker's extension values are kept as they
// came instead. Only the timestamp (0xff, -1) is read, as a Date.
for (let t = 0; t < 0xff; t++) {
  const type = t < 0x80 ? t : t - 0x100;
  msgpackr.addExtension({ type: t, unpack: (data) => new Extension(type, Buffer.from(data)) });
}

module.exports = { packr, unpackr, unpackrMaps, Extension };

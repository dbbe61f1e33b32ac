'use strict';
// The one error type: a protocol error code from ipcd, or one of this
// library's own (doc/PROTOCOL.md section 4 lists ipcd's).

// Codes the library makes itself; every other code comes from ipcd or a worker.
const CLOSED = 'closed';       // the connection ended before the answer came
const BAD_REPLY = 'bad_reply'; // ipcd sent something this client cannot trust
const TOO_LARGE = 'too_large'; // the request is larger than max_message
const TIMEOUT = 'timeout';     // no answer within the job's timeout
const ABORTED = 'aborted';     // the job's AbortSignal fired

class IpcdError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.code = code;
  }

  get name() {
    return 'IpcdError';
  }
}

module.exports = { IpcdError, CLOSED, BAD_REPLY, TOO_LARGE, TIMEOUT, ABORTED };

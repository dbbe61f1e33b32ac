'use strict';
// ipcd's Node.js client: connect() to the daemon's socket, then submit()
// jobs, as many at once as you like, on the one connection.
const { Client, DEFAULT_SOCKET } = require('./lib/client');
const { IpcdError } = require('./lib/errors');
const { Extension, DEFAULT_MAX_MESSAGE } = require('./lib/wire');

// Resolves to a Client once connected and answered a PING.
function connect(options) {
  let client;
  try {
    client = new Client(options === undefined || options === null ? {} : options);
  } catch (err) {
    return Promise.reject(err);
  }
  return client.open();
}

module.exports = { connect, Client, IpcdError, Extension, DEFAULT_SOCKET, DEFAULT_MAX_MESSAGE };

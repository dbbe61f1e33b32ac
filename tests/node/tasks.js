// A node worker for the tests: it echoes each TASK's id, and its tasks
// misbehave on demand.
const fs = require('fs');

process.on('message', (m) => {
  if (m.type !== 'TASK') return;
  const answer = (data) => process.send({ type: 'RESULT', id: m.id, data });
  switch (m.task) {
    case 'double': return answer(m.data * 2);
    case 'echo': return answer(m.data);
    case 'sleep': return setTimeout(() => answer(m.data), m.data);
    case 'hang': return;
    case 'throw': throw new Error('thrown on purpose');
    case 'exit': return process.exit(3);
    case 'garbage': return fs.writeSync(3, 'this is not JSON\n');
    case 'long': return fs.writeSync(3, '"' + 'x'.repeat(2 * 1024 * 1024));
    case 'fail':
      return process.send({ type: 'ERROR', id: m.id, code: 'my_code',
                            message: 'failed on purpose' });
    case 'deep': {
      let v = 1;
      for (let i = 0; i < 40; i++) v = [v];
      return answer(v);
    }
    case 'pid': return answer(process.pid);
    case 'timer':	// a timer keeps Node alive after its channel closes
      setInterval(() => {}, 1000);
      return answer(process.pid);
    default:
      return process.send({ type: 'ERROR', id: m.id, code: 'unknown_task',
                            message: 'no task ' + m.task });
  }
});

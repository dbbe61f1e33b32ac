process.on('message', (message) => {
  if (message.type === 'TASK') {
    const result = performTask(message.data);
    process.send({ type: 'RESULT', data: result });
  }
});
function performTask(num) { return num * 2; }

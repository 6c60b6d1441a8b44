// Keyward's GraphiQL page script (served from /graphiql/assets/…, never inline: the page's CSP
// allows scripts from Keyward only). Monaco's workers come from the same folder; the options are
// the page's JSON data block, which the browser never runs.
(() => {
  const folder = document.currentScript.src.replace(/[^/]*$/, '');
  const workers = {
    editorWorkerService: 'editor.worker.bundle.js',
    json: 'json.worker.bundle.js',
    graphql: 'graphql.worker..bundle.js',
  };
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: (_moduleId, label) => folder + (workers[label] ?? workers.editorWorkerService),
  };
  const options = JSON.parse(document.getElementById('graphiql-options').textContent);
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();

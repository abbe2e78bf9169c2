/**
 * A valid manifest of about `chars` characters: Deployments like an attendee writes them, one after another,
 * up to what cluster.validate accepts (1 MB). For the event-loop tests and the validate benchmark.
 */
export function largeManifest(chars = 990_000): string {
  const documents: string[] = [];
  let size = 0;
  for (let index = 0; size < chars; index++) {
    const document = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: web-${index}`,
      '  namespace: lab',
      `  labels: { app: web-${index}, tier: frontend }`,
      'spec:',
      '  replicas: 2',
      '  selector:',
      `    matchLabels: { app: web-${index} }`,
      '  template:',
      '    metadata:',
      `      labels: { app: web-${index} }`,
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: nginx:1.27',
      '          ports:',
      '            - containerPort: 80',
      '          env:',
      '            - name: MODE',
      '              value: "production"',
      '          resources:',
      '            limits: { cpu: 100m, memory: 64Mi }',
      '',
    ].join('\n');
    documents.push(document);
    size += document.length + 4;
  }
  return documents.join('---\n');
}

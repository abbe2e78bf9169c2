/** A Namespace and a two-container Pod in it: the small manifest the manifest tests read, parse and validate. */
export const MANIFEST = `# a namespace and a pod
apiVersion: v1
kind: Namespace
metadata:
  name: lab
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: lab
spec:
  containers:
    - name: nginx
      image: nginx:1.27
      ports:
        - containerPort: 80
    - name: sidecar
      image: busybox
`;

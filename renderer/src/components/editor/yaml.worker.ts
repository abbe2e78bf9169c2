// The YAML language server runs in its own worker; Vite bundles it from node_modules, nothing is fetched.
import 'monaco-yaml/yaml.worker.js';

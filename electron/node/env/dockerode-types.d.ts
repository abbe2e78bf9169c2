/**
 * Fields of the Docker Engine API that @types/dockerode does not declare yet. The engine has accepted them
 * since API 1.41 (Docker 20.10), the oldest engine Labdeck supports.
 */
import 'dockerode';

declare module 'dockerode' {
  interface HostConfig {
    /** `--cgroupns`: `private` gives the container a cgroup namespace of its own (kind's --cgroupns=private). */
    CgroupnsMode?: 'private' | 'host' | undefined;
  }
}

import { z } from 'zod';
import { defineCall } from './define.ts';

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  shell: z.enum(['electron', 'browser']),
  platform: z.string(),
  course: z.object({
    id: z.string(),
    title: z.string(),
    organization: z.string().optional(),
    /** Where the course came from and how far it is trusted: a signed pack, or a folder trusted like code. */
    trust: z
      .object({ kind: z.enum(['folder', 'pack']), notice: z.string(), publisher: z.string().optional(), fingerprint: z.string().optional() })
      .optional(),
  }),
  /**
   * Which cluster the checks read: the Labdeck environment, or a cluster given with --kubeconfig (a remote or
   * instructor-provided cluster). The environment card is then not where the checks' answers come from.
   */
  cluster: z.object({ source: z.enum(['environment', 'kubeconfig']), kubeconfig: z.string().max(4096).optional() }).optional(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const appCalls = {
  'app.info': defineCall(z.object({}).strict(), AppInfoSchema, 'Who and where we are'),
  'app.openExternal': defineCall(
    z.object({ url: z.string().url().max(2000) }).strict(),
    z.object({ opened: z.boolean(), url: z.string().url().max(2000).optional() }),
    'Open an allow-listed link in the system browser; opened is false where the page must open it itself (browser shell), url is what to open when it differs (a lab NodePort published on another port)',
  ),
} as const;

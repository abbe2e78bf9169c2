import type { JournalEntry } from '../progress/evidence-journal.ts';
import type { Report } from './report-format.ts';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}

/** One line saying what the evidence shows: the command run, the objects seen, the probe or HTTP answer. */
export function evidenceSummary(evidence: unknown): string {
  if (Array.isArray(evidence)) {
    const names = evidence.map((object: { kind?: string; metadata?: { name?: string; namespace?: string } }) => `${object.kind ?? '?'} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name ?? '?'}`);
    return names.length === 0 ? 'nothing matched (as required)' : names.join(', ');
  }
  if (evidence && typeof evidence === 'object') {
    const record = evidence as Record<string, unknown>;
    const matched = record.matched as { command?: string; exitCode?: number; apiRequests?: Array<{ auditID?: string }> } | undefined;
    if (matched?.command) {
      const seen = Array.isArray(matched.apiRequests) && matched.apiRequests.length > 0 ? `; seen by the API server (audit id ${matched.apiRequests.map((request) => String(request.auditID)).join(', ')})` : '';
      return `ran \`${matched.command}\` (exit ${matched.exitCode ?? '?'})${seen}`;
    }
    if (Array.isArray(record.argv)) return `probe \`${(record.argv as string[]).join(' ')}\` exit ${String(record.exitCode)}`;
    if (typeof record.status === 'number') return `HTTP ${record.status} on NodePort ${String(record.nodePort)}`;
    if (typeof record.message === 'string') return record.message;
  }
  return '';
}

/**
 * The report for people: per lab and step, when it passed and on what evidence, hints and solutions. The
 * signed JSON is the report; this page is a view of it and says so.
 */
export function renderReportHtml(report: Report): string {
  const bySeq = new Map<number, JournalEntry>(report.journal.map((entry) => [entry.seq, entry as JournalEntry]));
  const labs = report.summary
    .map((lab) => {
      const rows = lab.steps
        .map((step) => {
          const checks = step.checks
            .map((check) => {
              const entry = check.entry === null ? undefined : bySeq.get(check.entry);
              const evidence = entry?.evidence === undefined ? '' : `<details><summary>${escape(evidenceSummary(entry.evidence))}</summary><pre>${escape(JSON.stringify(entry.evidence, null, 2))}</pre></details>`;
              return `<li class="${check.passedAt ? 'passed' : 'open'}">${check.passedAt ? '✔' : '○'} ${escape(check.title)}${check.passedAt ? ` <time>${escape(check.passedAt)}</time>` : ''}${evidence}</li>`;
            })
            .join('');
          return `<tr><td>${escape(step.title)}</td><td>${step.passedAt ? `passed <time>${escape(step.passedAt)}</time>` : step.openedAt ? 'opened, not passed' : 'not opened'}</td><td><ul>${checks}</ul></td><td>${step.hintsShown}</td><td>${step.solutionRevealedAt ? `revealed <time>${escape(step.solutionRevealedAt)}</time>` : 'no'}</td></tr>`;
        })
        .join('\n');
      return `<section><h2>Lab ${escape(lab.id)}: ${escape(lab.title)} — ${lab.checksPassed}/${lab.checksTotal} checks</h2>
<table><thead><tr><th>Step</th><th>Result</th><th>Checks and evidence</th><th>Hints used</th><th>Solution</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Completion report: ${escape(report.course.title)} — ${escape(report.attendee.name)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}ul{margin:0;padding-left:1em;list-style:none}.passed{color:#14622b}.open{color:#777}pre{max-height:20em;overflow:auto;background:#f6f6f6}time{color:#555}</style>
</head><body>
<h1>${escape(report.course.title)} (${escape(report.course.id)} ${escape(report.course.version)})</h1>
<p>Attendee: <strong>${escape(report.attendee.name)}</strong>. Generated ${escape(report.generatedAt)} by Labdeck ${escape(report.labdeckVersion)}.
Cluster: ${report.cluster.source === 'none' ? 'none recorded' : `CA sha256 <code>${escape(report.cluster.identity)}</code>`}.
Signed by key <code>${escape(report.signer.fingerprint)}</code>.</p>
<p><em>This page is a view of the signed JSON report. Check the JSON with <code>labdeck verify-report</code>: the report is tamper-evident, not tamper-proof.
Guaranteed: each journal entry was signed with this key by the attendee's Labdeck when it was written, bound to the cluster and course version; an edit after that is detected; each pass must carry evidence the course's checks accept when a grader re-runs them.
Not guaranteed: that this key is the attendee's (compare its fingerprint with the one they gave you), nor that evidence fabricated by the attendee on their own machine and signed with their own key is genuine.</em></p>
${labs}
</body></html>
`;
}

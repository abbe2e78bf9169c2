import fsp from 'node:fs/promises';
import type { Command } from 'commander';
import { LabdeckError } from '../../common/errors.ts';
import { printableText } from '../../common/printable-name.ts';
import { fingerprintOf, normalFingerprint, printableKeyName, readPublicKeyFile } from '../../node/course-pack/keys.ts';
import { verifyReport, type ReportVerification } from '../../node/reports/verify-report.ts';
import { loadGraderCourse } from './report-course.ts';
import { NOT_JUDGEABLE_LIMIT } from '../../node/reports/evidence-judgement.ts';

/** A fingerprint given directly, or read from an attendee's .labdeck-pub. */
async function expectedKey(value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  if (value.endsWith('.labdeck-pub')) return (await readPublicKeyFile(value)).fingerprint;
  if (normalFingerprint(value) === undefined) {
    throw new LabdeckError('invalid-request', `--key ${JSON.stringify(value.slice(0, 100))} is neither a fingerprint (64 hex digits, spaces allowed) nor a .labdeck-pub file.`, {
      action: 'Pass the fingerprint the attendee\'s Export report showed, or their .labdeck-pub file.',
    });
  }
  return value;
}

export function describeReportVerification(file: string, result: ReportVerification): string[] {
  const lines: string[] = [];
  const report = result.report;
  if (report) {
    // Names and ids from the report file are made printable: a report must not write escape codes to the grader's terminal.
    lines.push(`Report ${file}: ${printableKeyName(report.attendee.name)}, course ${printableKeyName(report.course.id)} ${printableKeyName(report.course.version)}, ${report.journal.length} journal entries, signed by key ${fingerprintOf(report.signer.publicKey)}`);
  }
  for (const finding of result.findings) lines.push(`BAD  ${printableText(finding.message, 2000)}`);
  const { confirmed, notJudgeable, kubectlSeen, kubectlUnseen } = result.reevaluated;
  // Always said, so a grader sees how much of the report rests on evidence that could not be re-checked.
  if (confirmed + notJudgeable > 0) lines.push(`Evidence: ${confirmed} recorded passes re-checked on their evidence, ${notJudgeable} not judgeable from their evidence alone (flagged above ${NOT_JUDGEABLE_LIMIT.share * 100} % and ${NOT_JUDGEABLE_LIMIT.atLeast} or more)`);
  if (kubectlSeen + kubectlUnseen > 0) lines.push(`kubectl: ${kubectlSeen} of ${kubectlSeen + kubectlUnseen} kubectl passes corroborated by the API server's audit log (its request ids are in the evidence)${kubectlUnseen > 0 ? `; ${kubectlUnseen} not: made on a cluster without Labdeck's audit log (--kubeconfig) or with the evidence removed` : ''}`);
  if (result.findings.length === 0) {
    lines.push(`OK  signature, signed journal, hash chain and summary are intact. Tamper-evident, not tamper-proof: compare the key with the attendee's (--key).`);
  }
  return lines;
}

/** `labdeck verify-report <file> [--course <dir|pack>] [--key <fingerprint|file>]`: for graders. */
export function registerVerifyReportCommand(program: Command): void {
  program
    .command('verify-report')
    .description("Verify a completion report: signature, hash chain, every entry's fields, and each pass re-run on its evidence")
    .argument('<file>', 'a .labdeck-report.json')
    .option('--course <dir|pack>', "the course (folder or pack) whose checks re-run on the recorded evidence")
    .option('--key <fingerprint|file>', "the attendee's report key (fingerprint or .labdeck-pub); another key shows as re-signed")
    .option('--json', 'print the findings as JSON')
    .action(async (file: string, options: { course?: string; key?: string; json?: boolean }) => {
      let text: string;
      try {
        text = await fsp.readFile(file, 'utf8');
      } catch (error) {
        throw new LabdeckError('not-found', `Cannot read the report ${file}: ${(error as Error).message}`, { action: 'Check the path; attendees export reports with "Export report" on the lab list.' });
      }
      const course = options.course ? await loadGraderCourse(options.course, (line) => process.stderr.write(`${line}\n`)) : undefined;
      try {
        const key = await expectedKey(options.key);
        const result = await verifyReport(text, { ...(course ? { course: course.catalog } : {}), ...(key ? { expectedKey: key } : {}) });
        if (options.json) process.stdout.write(`${JSON.stringify({ file, ok: result.findings.length === 0, findings: result.findings, reevaluated: result.reevaluated }, null, 2)}\n`);
        else process.stdout.write(`${describeReportVerification(file, result).join('\n')}\n`);
        if (result.findings.length > 0) process.exitCode = 1;
      } finally {
        await course?.dispose();
      }
    });
}

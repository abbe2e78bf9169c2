import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReportExport } from '../../../electron/common/api/reports.ts';
import { LabdeckError } from '../../../electron/common/errors.ts';
import ExportReportButton from './ExportReportButton.svelte';

const exported: ReportExport = {
  fileName: 'k8s-networking-0.0.0-2026.labdeck-report.json',
  path: '/home/a/.local/share/labdeck/reports/k8s-networking-0.0.0-2026.labdeck-report.json',
  htmlPath: '/home/a/.local/share/labdeck/reports/k8s-networking-0.0.0-2026.labdeck-report.html',
  json: '{}',
  html: '<html></html>',
  fingerprint: 'ab12 cd34',
  checksPassed: 3,
  checksTotal: 40,
};

describe('ExportReportButton', () => {
  afterEach(() => vi.restoreAllMocks());

  it('exports, downloads the JSON and the HTML, and says where the report is and which key signed it', async () => {
    URL.createObjectURL = vi.fn(() => 'blob:report');
    URL.revokeObjectURL = vi.fn();
    const clicks: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    render(ExportReportButton, { exportReport: async () => exported });
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    const status = await screen.findByRole('status');
    expect(status.textContent).toContain('3/40 checks');
    expect(status.textContent).toContain('ab12 cd34');
    expect(clicks).toEqual(['k8s-networking-0.0.0-2026.labdeck-report.json', 'k8s-networking-0.0.0-2026.labdeck-report.html']);
  });

  it('shows what went wrong and what to do', async () => {
    const failing = async (): Promise<ReportExport> => {
      throw new LabdeckError('internal', 'The evidence journal is broken at entry 4.', { action: 'Give the file to your instructor.' });
    };
    render(ExportReportButton, { exportReport: failing });
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    expect((await screen.findByRole('alert')).textContent).toContain('broken at entry 4');
  });
});

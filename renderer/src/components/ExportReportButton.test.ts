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
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
  });

  it('exports, downloads the JSON and the HTML, and says where the report is and which key signed it', async () => {
    URL.createObjectURL = vi.fn(() => 'blob:report');
    URL.revokeObjectURL = vi.fn();
    const clicks: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    const asked: string[] = [];
    render(ExportReportButton, {
      exportReport: async (attendee: string) => {
        asked.push(attendee);
        return exported;
      },
    });
    // The report carries the name the attendee gives, not the computer's user ("root" in a container).
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Type your name first');
    expect(asked).toEqual([]);
    await fireEvent.input(screen.getByLabelText('Your name on the report'), { target: { value: '  Ada Lovelace ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    const status = await screen.findByRole('status');
    expect(asked).toEqual(['Ada Lovelace']);
    expect(localStorage.getItem('labdeck.attendeeName')).toBe('Ada Lovelace');
    expect(status.textContent).toContain('3/40 checks');
    expect(status.textContent).toContain('ab12 cd34');
    expect(clicks).toEqual(['k8s-networking-0.0.0-2026.labdeck-report.json', 'k8s-networking-0.0.0-2026.labdeck-report.html']);
  });

  it('shows what went wrong and what to do', async () => {
    const failing = async (): Promise<ReportExport> => {
      throw new LabdeckError('internal', 'The evidence journal is broken at entry 4.', { action: 'Give the file to your instructor.' });
    };
    localStorage.setItem('labdeck.attendeeName', 'Ada');
    render(ExportReportButton, { exportReport: failing });
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    expect((await screen.findByRole('alert')).textContent).toContain('broken at entry 4');
  });
});

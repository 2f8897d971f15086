// The cluster step's PDF report (VIPER's streamcluster `analysisdescription` and `pdfformat`): a
// one-page A4 document with the title, the analysis description, a bar chart of the cluster sizes
// under its chart title, a table of the clusters (size, share of the points, centre), the
// recipients when asked for, and the signature. It is written with pdf-lib (a maintained,
// dependency-light PDF writer) into the output topic as one JSON record carrying the PDF in base64,
// so it is kept, replicated and read like every other output (no file on the server's disk).
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { ClusterRecord } from './cluster.js';

export interface ClusterReportFormat {
  title?: string;
  /** A detailed description of the analysis (VIPER's analysisdescription). */
  description?: string;
  signature?: string;
  chartTitle?: string;
  /** Listed in the report (VIPER's showpdfemaillist=1 with sendalertemailsto). */
  recipients?: string[];
}

export const CLUSTER_REPORT_STREAM = 'clusterreport';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

/** The standard fonts encode WinAnsi only: other characters are replaced, never fail the call. */
const printable = (text: string) => text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of printable(text).split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      const next = line === '' ? word : `${line} ${word}`;
      if (font.widthOfTextAtSize(next, size) > width && line !== '') {
        lines.push(line);
        line = word;
      } else line = next;
    }
    lines.push(line);
  }
  return lines;
}

class Writer {
  y = A4[1] - MARGIN;
  constructor(
    readonly page: PDFPage,
    readonly font: PDFFont,
    readonly bold: PDFFont,
  ) {}

  text(text: string, size = 10, font = this.font): void {
    for (const line of wrap(text, font, size, A4[0] - 2 * MARGIN)) {
      if (this.y < MARGIN) return; // one page: the record holds the rest
      this.page.drawText(line, { x: MARGIN, y: this.y, size, font });
      this.y -= size * 1.4;
    }
  }

  gap(points = 8): void {
    this.y -= points;
  }
}

/** The report as PDF bytes. */
export async function clusterReportPdf(
  record: ClusterRecord,
  format: ClusterReportFormat,
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(printable(format.title || `Cluster analysis of ${record.topic}`));
  doc.setProducer('tml');
  doc.setCreationDate(record.createdAt);
  const w = new Writer(
    doc.addPage(A4),
    await doc.embedFont(StandardFonts.Helvetica),
    await doc.embedFont(StandardFonts.HelveticaBold),
  );
  const total = record.points.length;
  w.text(format.title || `Cluster analysis of ${record.topic}`, 16, w.bold);
  w.text(
    `${total} points of topic '${record.topic}' in ${record.clusters.length} clusters (k-means, ${record.distance}), ` +
      `${new Date(record.windowStart).toISOString()} to ${new Date(record.windowEnd).toISOString()}`,
    9,
  );
  w.gap();
  if (format.description) {
    w.text('Analysis', 12, w.bold);
    w.text(format.description);
    w.gap();
  }
  // the chart: one bar per cluster, heights proportional to sizes
  w.text(format.chartTitle || 'Cluster sizes', 12, w.bold);
  const height = 120;
  const largest = Math.max(1, ...record.clusters.map((c) => c.size));
  const bar = Math.min(40, (A4[0] - 2 * MARGIN) / Math.max(1, record.clusters.length) - 10);
  const base = w.y - height;
  record.clusters.forEach((c, i) => {
    const x = MARGIN + i * (bar + 10);
    const h = (height - 14) * (c.size / largest);
    w.page.drawRectangle({ x, y: base, width: bar, height: h, color: rgb(0.2, 0.4, 0.7) });
    w.page.drawText(String(c.size), { x, y: base + h + 2, size: 8, font: w.font });
    w.page.drawText(`C${c.cluster}`, { x, y: base - 10, size: 8, font: w.font });
  });
  w.y = base - 24;
  w.text('Clusters', 12, w.bold);
  for (const c of record.clusters) {
    const share = total === 0 ? 0 : (100 * c.size) / total;
    w.text(
      `Cluster ${c.cluster}: ${c.size} points (${share.toFixed(1)}%), centre ${c.centre.map((x) => Number(x.toPrecision(6))).join(', ')}`,
      9,
    );
  }
  if (format.recipients && format.recipients.length > 0) {
    w.gap();
    w.text(`Sent to: ${format.recipients.join(', ')}`, 9);
  }
  if (format.signature) {
    w.gap(16);
    w.text(format.signature, 10);
  }
  return doc.save();
}

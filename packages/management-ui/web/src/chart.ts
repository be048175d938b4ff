/**
 * A live line chart of rates or counts over time, drawn by uPlot (about 20 KB gzipped, canvas,
 * no dependencies, made for streaming time series). The API keeps no history (each `*_details`
 * is the last interval's rate), so the chart keeps the points it sampled itself at each refresh.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "./dom.js";

const COLORS = ["#2563eb", "#16a34a", "#ea580c", "#9333ea", "#dc2626", "#0891b2"];
const MAX_POINTS = 180;

export class History {
  readonly times: number[] = [];
  readonly values: number[][];
  constructor(readonly labels: readonly string[]) {
    this.values = labels.map(() => []);
  }
  push(values: readonly number[]): void {
    this.times.push(Date.now() / 1000);
    values.forEach((v, i) => this.values[i]!.push(v));
    if (this.times.length > MAX_POINTS) {
      this.times.shift();
      for (const s of this.values) s.shift();
    }
  }
}

export class LiveChart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private readonly observer: ResizeObserver;

  constructor(
    private readonly title: string,
    private readonly history: History,
    private readonly unit: string,
  ) {
    this.el = h("figure", { class: "chart" }, h("figcaption", null, title));
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.el);
  }

  private width(): number {
    return Math.max(240, this.el.clientWidth - 4);
  }

  update(): void {
    const data = [this.history.times, ...this.history.values] as uPlot.AlignedData;
    this.el.dataset.points = String(this.history.times.length);
    if (this.plot === null) {
      this.plot = new uPlot(
        {
          title: "",
          width: this.width(),
          height: 200,
          series: [{}, ...this.history.labels.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length]!, width: 2, value: (_u: uPlot, v: number | null) => (v === null ? "" : `${v}${this.unit}`) }))],
          axes: [{}, { size: 60 }],
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
          legend: { live: false },
        },
        data,
        this.el,
      );
      this.plot.root.setAttribute("aria-label", this.title);
      this.plot.root.setAttribute("role", "img");
    } else this.plot.setData(data);
    // at least the last minute on the x axis, so the first points do not span years
    const t = this.history.times;
    if (t.length > 0) this.plot.setScale("x", { min: Math.min(t[0]!, t[t.length - 1]! - 60), max: t[t.length - 1]! });
  }

  private resize(): void {
    if (this.plot !== null) this.plot.setSize({ width: this.width(), height: 200 });
  }

  dispose(): void {
    this.observer.disconnect();
    this.plot?.destroy();
  }
}

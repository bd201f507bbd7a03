// Prints the plain closing line CI reads: `web: N passed, N failed` (and skipped, if any).
export default class SummaryReporter {
  constructor() {
    this.passed = 0;
    this.failed = 0;
    this.skipped = 0;
  }

  /** @param {import('@playwright/test/reporter').TestCase} test */
  onTestEnd(test) {
    // Counted once per test, by its final outcome (no retries are configured).
    const outcome = test.outcome();
    if (outcome === 'skipped') this.skipped += 1;
    else if (outcome === 'expected' || outcome === 'flaky') this.passed += 1;
    else this.failed += 1;
  }

  onEnd() {
    const skipped = this.skipped ? `, ${this.skipped} skipped` : '';
    console.log(`web: ${this.passed} passed, ${this.failed} failed${skipped}`);
  }

  printsToStdio() {
    return false;
  }
}

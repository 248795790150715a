export interface VitestJsonReport {
  /** false when the run failed, also outside any file */
  success?: boolean;
  testResults?: {
    name?: string;
    status?: string;
    message?: string;
    assertionResults?: { fullName?: string; status?: string; failureMessages?: string[] }[];
  }[];
}

export interface TestSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** one line per failed test and per file that failed outside its tests */
  failures: string[];
}

export function summarize(report: VitestJsonReport, cwd?: string): TestSummary;
export function closingLines(summary: TestSummary): string[];

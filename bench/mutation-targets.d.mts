export interface Target {
  readonly group: 'unit' | 'services';
  readonly suites: readonly string[];
  /** Run the file's static mutants too (module-level declarations). */
  readonly static?: boolean;
}
export declare const TARGETS: Readonly<Record<string, Target>>;
export declare function selection(env?: Record<string, string | undefined>): { name: string; files: string[]; suites: string[] };

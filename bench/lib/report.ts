import type { BenchResults } from "../run";
export function writeReport(_r: BenchResults): { md: string; svg: string } {
  return { md: "", svg: "" };
}

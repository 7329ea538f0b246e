package main

import (
	"fmt"
	"math"
	"strings"
)

// columns of the table, and which implementation fills each in a group.
var columns = []string{"mpconn", "CPython", pairGoPy, pairPyGo, implGP, implOG, pairRaw}

func column(impl string) int {
	switch impl {
	case pairGoGo, implAny, implTyped, implOurs, implShm:
		return 0
	case pairPyPy, implPy:
		return 1
	case pairGoPy:
		return 2
	case pairPyGo:
		return 3
	case implGP:
		return 4
	case implOG:
		return 5
	case pairRaw:
		return 6
	}
	return -1
}

func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "–"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// percent writes a fraction as a percentage: whole percents from 10 %, one
// decimal below.
func percent(f float64) string {
	if f >= 0.095 {
		return fmt.Sprintf("%.0f %%", 100*f)
	}
	return fmt.Sprintf("%.1f %%", 100*f)
}

func short(impl string) string {
	switch impl {
	case pairPyPy:
		return "CPython"
	case pairRaw:
		return "raw"
	}
	return impl
}

func (r Ratio) String() string {
	s := fmt.Sprintf("%.2f× %s", r.Value, short(r.Den))
	if r.Target > 0 {
		mark := "✓"
		if !r.Met {
			mark = "✗"
		}
		s += fmt.Sprintf(" (≥%g %s)", r.Target, mark)
	}
	return s
}

// table renders the results as one Markdown table, preceded by the machine.
func (b *bencher) table(m Machine) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "mpconn side by side, %s run, %s: %s, %d CPUs, kernel %s, %s, CPython %s; load average %s at start, %s at end; %.0f s\n",
		b.cfg.Mode, m.Start, m.CPU, m.NumCPU, m.Kernel, m.Go, m.Python, m.LoadStart, m.LoadEnd, m.Seconds)
	fmt.Fprintf(&sb, "Medians of %d repetitions, interleaved: repetition 1 of every column of a row, then repetition 2 of every one, and so on. "+
		"Spread: the largest deviation of one repetition from its median, in %% of that median, the worst of the row's columns. "+
		"Ratios: median over median, how many times faster mpconn is (time or rate), with the target.\n\n", b.cfg.reps)
	sb.WriteString("| benchmark | unit | " + strings.Join(columns, " | ") + " | spread | ratios (target) |\n")
	sb.WriteString("|---|---|" + strings.Repeat("--:|", len(columns)) + "--:|---|\n")
	var groups []string
	seen := map[string]bool{}
	for _, r := range b.results {
		if !seen[r.Group] {
			seen[r.Group] = true
			groups = append(groups, r.Group)
		}
	}
	for _, g := range groups {
		cells := make([]string, len(columns))
		unit, spread := "", 0.0
		for _, r := range b.results {
			if r.Group == g {
				unit, spread = r.Unit, max(spread, r.Spread)
				if c := column(r.Impl); c >= 0 {
					cells[c] = num(r.Median)
				}
			}
		}
		var rs []string
		for _, r := range b.ratios {
			if r.Group == g {
				rs = append(rs, r.String())
			}
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | ±%s | %s |\n", g, unit, strings.Join(cells, " | "), percent(spread), strings.Join(rs, "; "))
	}
	allocsMet, allocsAll := 0, 0
	for _, a := range b.allocs {
		var notes []string
		if t, ok := allocTarget(a.Name); ok {
			allocsAll++
			mark := "✗"
			if a.AllocsPerOp <= t {
				allocsMet++
				mark = "✓"
			}
			notes = append(notes, fmt.Sprintf("target ≤%g %s", t, mark))
		}
		if strings.HasPrefix(a.Name, "SendRecvSmallObject") {
			notes = append(notes, fmt.Sprintf("%.0f B/op, %.0f ns/op", a.BytesPerOp, a.NsPerOp))
		}
		cells := make([]string, len(columns))
		cells[0] = num(a.AllocsPerOp)
		fmt.Fprintf(&sb, "| allocations: %s | allocs/msg | %s |  | %s |\n", a.Name, strings.Join(cells, " | "), strings.Join(notes, "; "))
	}
	met, all := 0, 0
	for _, r := range b.ratios {
		if r.Target > 0 {
			all++
			if r.Met {
				met++
			}
		}
	}
	fmt.Fprintf(&sb, "\n%d of %d ratio targets met; %d of %d allocation targets.\n", met, all, allocsMet, allocsAll)
	return sb.String()
}

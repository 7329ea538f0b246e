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
	fmt.Fprintf(&sb, "Medians of %d repetitions. Ratios: how many times faster mpconn is (time or rate), with the target.\n\n", b.cfg.reps)
	sb.WriteString("| benchmark | unit | " + strings.Join(columns, " | ") + " | ratios (target) |\n")
	sb.WriteString("|---|---|" + strings.Repeat("--:|", len(columns)) + "---|\n")
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
		unit := ""
		for i := range cells {
			cells[i] = ""
		}
		for _, r := range b.results {
			if r.Group == g {
				unit = r.Unit
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
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", g, unit, strings.Join(cells, " | "), strings.Join(rs, "; "))
	}
	for _, a := range b.allocs {
		target := "target 0 "
		if strings.HasPrefix(a.Name, "SendRecvSmallObject") {
			target = fmt.Sprintf("%.0f B/op, %.0f ns/op", a.BytesPerOp, a.NsPerOp)
		} else if a.AllocsPerOp == 0 {
			target += "✓"
		} else {
			target += "✗"
		}
		cells := make([]string, len(columns))
		cells[0] = num(a.AllocsPerOp)
		fmt.Fprintf(&sb, "| allocations: %s | allocs/msg | %s | %s |\n", a.Name, strings.Join(cells, " | "), target)
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
	fmt.Fprintf(&sb, "\n%d of %d ratio targets met.\n", met, all)
	return sb.String()
}

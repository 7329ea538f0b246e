package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// ascii replaces what basicfont cannot draw.
var ascii = strings.NewReplacer("→", "->", "×", "x", "↔", "<->", "…", "...")

// writeChart draws the targeted ratios as horizontal bars on a log scale:
// green where the target is met, red where not, the target as a black tick.
func writeChart(path string, ratios []Ratio, m Machine, cfg config) error {
	var rs []Ratio
	for _, r := range ratios {
		if r.Target > 0 {
			rs = append(rs, r)
		}
	}
	const (
		labelW = 430
		plotW  = 560
		rowH   = 18
		top    = 52
		bottom = 40
	)
	W, H := labelW+plotW+30, top+bottom+rowH*len(rs)
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	lo, hi := 0.1, 100.0
	for _, r := range rs {
		for r.Value > hi {
			hi *= 10
		}
		for r.Value < lo && lo > 1e-4 {
			lo /= 10
		}
	}
	x := func(v float64) int {
		v = math.Max(lo, math.Min(hi, v))
		return labelW + int(float64(plotW)*(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo)))
	}
	text := func(s string, px, py int, c color.Color) {
		s = ascii.Replace(s)
		d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(px, py)}
		d.DrawString(s)
	}
	width := func(s string) int { return font.MeasureString(basicfont.Face7x13, ascii.Replace(s)).Round() }
	fill := func(x0, y0, x1, y1 int, c color.Color) {
		draw.Draw(img, image.Rect(x0, y0, x1, y1), image.NewUniform(c), image.Point{}, draw.Src)
	}
	grey := color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	black := color.Black
	text(fmt.Sprintf("mpconn: how many times faster (log scale), %s run, medians of %d", cfg.Mode, cfg.Reps), 10, 18, black)
	text(fmt.Sprintf("%s, %d CPUs, %s, CPython %s; load %s", m.CPU, m.NumCPU, m.Go, m.Python, m.LoadStart), 10, 36, black)
	// Grid.
	for d := lo; d <= hi*1.0001; d *= 10 {
		for _, k := range []float64{1, 2, 5} {
			v := d * k
			if v > hi*1.0001 {
				break
			}
			gx := x(v)
			fill(gx, top-4, gx+1, H-bottom+4, grey)
			l := fmt.Sprintf("%g×", v)
			text(l, gx-width(l)/2, H-bottom+18, black)
		}
	}
	one := x(1)
	fill(one, top-4, one+1, H-bottom+4, color.RGBA{0x88, 0x88, 0x88, 0xff})
	green := color.RGBA{0x3c, 0xa0, 0x4c, 0xff}
	red := color.RGBA{0xd0, 0x40, 0x40, 0xff}
	for i, r := range rs {
		y := top + i*rowH
		label := fmt.Sprintf("%s vs %s", r.Group, short(r.Den))
		for width(label) > labelW-10 {
			label = label[:len(label)-4] + "..."
		}
		text(label, labelW-6-width(label), y+13, black)
		c := green
		if !r.Met {
			c = red
		}
		x0, x1 := one, x(r.Value)
		if x1 < x0 {
			x0, x1 = x1, x0
		}
		fill(x0, y+3, max(x1, x0+1), y+rowH-3, c)
		tx := x(r.Target)
		fill(tx-1, y+1, tx+2, y+rowH-1, black)
		text(fmt.Sprintf("%.2f", r.Value), max(x(r.Value), one)+4, y+13, black)
	}
	text("bars: measured ratio (green: target met, red: not); black tick: target", 10, H-6, black)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

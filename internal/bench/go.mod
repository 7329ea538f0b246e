module github.com/mpconn/mpconn/internal/bench

go 1.24.0

require (
	github.com/kisielk/og-rek v1.3.0
	github.com/mpconn/mpconn v0.0.0
	github.com/nlpodyssey/gopickle v0.3.0
	golang.org/x/image v0.25.0
)

require (
	github.com/aristanetworks/gomap v0.0.0-20230726210543-f4e41046dced // indirect
	golang.org/x/exp v0.0.0-20230725093048-515e97ebf090 // indirect
	golang.org/x/text v0.34.0 // indirect
)

replace github.com/mpconn/mpconn => ../..

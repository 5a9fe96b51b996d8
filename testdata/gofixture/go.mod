module example.com/gofixture

go 1.24

require (
	example.com/colors v0.3.0
	example.com/greeting v1.2.3
	example.com/localmod v0.0.0-00010101000000-000000000000
)

require example.com/units v1.0.0 // indirect

replace example.com/colors v0.3.0 => example.com/colors-fork v0.3.1

replace example.com/localmod => ./localmod

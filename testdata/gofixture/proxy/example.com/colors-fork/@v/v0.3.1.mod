module example.com/colors-fork

go 1.21

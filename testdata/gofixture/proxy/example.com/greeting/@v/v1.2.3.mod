module example.com/greeting

go 1.21

require example.com/units v1.0.0

module github.com/elbv2/alb

go 1.22

package main

import "github.com/urfave/cli/v2"

func historyCommand() *cli.Command  { return &cli.Command{Name: "history", Hidden: true} }
func evidenceCommand() *cli.Command { return &cli.Command{Name: "evidence", Hidden: true} }

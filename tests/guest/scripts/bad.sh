#!/bin/sh
echo "this line runs"
echo "then a syntax error:"
echo *
echo "this line does not"

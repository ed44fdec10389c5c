// an https script

# Renders the table that side_by_side writes next to its JSON:
#   gnuplot -e "data='bench/results/DATE.tsv'; out='docs/benchmarks.png'" bench/chart.gp
set terminal pngcairo size 1120,560 font "sans,10" noenhanced
set output out
set datafile separator "\t"
# side_by_side starts the table with the file's size as a comment: "# 256 MiB".
size = system(sprintf("sed -n '1s/^# //p' '%s'", data))
if (size eq "") size = "The file"
set title size . " over loopback, file to file (iperf3: memory to memory); median of the rounds"
set ylabel "GiB/s"
set yrange [0:*]
set grid ytics
set style data histograms
set style histogram clustered gap 0.6
set xrange [-0.6:*]
set style fill solid 0.85 border -1
set boxwidth 0.7
set xtics rotate by -25 scale 0 nomirror
set key off
set rmargin 8
plot data using 2:xtic(1) lc rgb "#3b6ea5", \
     '' using 0:($2 + 0.08):(sprintf("%.2f", $2)) with labels

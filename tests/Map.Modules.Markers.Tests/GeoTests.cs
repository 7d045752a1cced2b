using Map.Modules.Markers.Domain;

namespace Map.Modules.Markers.Tests;

public sealed class GeoTests
{
    [Theory]
    [InlineData(10.5, 20.5, true)]
    [InlineData(10.99, 20.01, true)]
    [InlineData(11.5, 20.5, false)]
    [InlineData(10.5, 19.5, false)]
    public void Ray_casting_finds_points_inside_a_polygon(double lat, double lon, bool inside)
    {
        var square = ZoneGeometry.TryParse("""{"latlngs":[{"lat":10,"lng":20},{"lat":10,"lng":21},{"lat":11,"lng":21},{"lat":11,"lng":20}]}""")!;

        Assert.Equal(inside, square.Contains(new GeoPoint(lat, lon)));
    }

    [Fact]
    public void A_concave_polygon_excludes_its_notch()
    {
        // A "U": the notch between the arms is outside.
        var u = ZoneGeometry.TryParse("""{"coordinates":[[[0,0],[3,0],[3,3],[2,3],[2,1],[1,1],[1,3],[0,3],[0,0]]]}""")!;

        Assert.True(u.Contains(new GeoPoint(2.5, 0.5)));
        Assert.False(u.Contains(new GeoPoint(2, 1.5)));
        Assert.True(u.Contains(new GeoPoint(2, 2.5)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("""{"latlngs":[]}""")]
    [InlineData("""{"latlngs":[{"lat":1,"lng":2},{"lat":"x","lng":3},{"lat":2,"lng":3}]}""")]
    [InlineData("""{"coordinates":[[[0,0],[1,1]]]}""")]
    public void Shapes_that_are_not_polygons_do_not_parse(string json) => Assert.Null(ZoneGeometry.TryParse(json));

    [Fact]
    public void Leaflet_nested_latlngs_parse()
    {
        var nested = ZoneGeometry.TryParse("""{"latlngs":[[{"lat":0,"lng":0},{"lat":0,"lng":2},{"lat":2,"lng":2}]]}""");

        Assert.NotNull(nested);
        Assert.True(nested.Contains(new GeoPoint(0.5, 1.5)));
    }

    [Fact]
    public void Haversine_matches_known_distances()
    {
        var minsk = new GeoPoint(53.9, 27.56);

        Assert.InRange(minsk.DistanceTo(new GeoPoint(53.9009, 27.56)), 99, 101);
        Assert.InRange(new GeoPoint(0, 0).DistanceTo(new GeoPoint(0, 1)), 111_100, 111_250);
    }

    [Fact]
    public void Bounding_boxes_contain_the_circle_and_split_at_the_antimeridian()
    {
        var near = new GeoPoint(53.9, 27.56);
        var box = Assert.Single(near.BoundingBoxes(100));
        var north = new GeoPoint(53.9 + 0.00089, 27.56);
        var east = new GeoPoint(53.9, 27.56 + 0.00152);

        Assert.True(north.Lat <= box.LatMax && east.Lon <= box.LonMax);
        Assert.Equal(2, new GeoPoint(10, 179.9999).BoundingBoxes(100).Count);
        Assert.Equal(2, new GeoPoint(10, -179.9999).BoundingBoxes(100).Count);
        Assert.Equal(-180, Assert.Single(new GeoPoint(89.9999, 0).BoundingBoxes(100)).LonMin);
    }

    [Theory]
    [InlineData("53.9", "Value")]
    [InlineData(" 27.56 ", "Value")]
    [InlineData("", "Absent")]
    [InlineData(null, "Absent")]
    [InlineData("53,9", "Invalid")]
    [InlineData("north", "Invalid")]
    public void Coordinate_text_parses_invariantly(string? text, string kind) => Assert.Equal(kind, CoordinateInput.Parse(text).Kind.ToString());
}
